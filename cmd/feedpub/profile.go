package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $FEEDPUB_CPUPROFILE and, when the returned stop is
// called, an allocation profile to $FEEDPUB_MEMPROFILE: how bench/run.sh profile looks inside
// a real build without a separate binary. Unset variables cost nothing.
func startProfiles(stderr io.Writer) (stop func()) {
	cpu, mem := os.Getenv("FEEDPUB_CPUPROFILE"), os.Getenv("FEEDPUB_MEMPROFILE")
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "feedpub: cpu profile %s: %v\n", cpu, err)
		} else {
			cpuFile = f
		}
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem == "" {
			return
		}
		f, err := os.Create(mem)
		if err == nil {
			runtime.GC()
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "feedpub: memory profile %s: %v\n", mem, err)
		}
	}
}
