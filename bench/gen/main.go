// Command gen writes N synthetic news-text articles for the benchmarks in bench/run.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/feedpub/feedpub/internal/testgen"
)

func main() {
	n := flag.Int("n", 10000, "number of articles")
	size := flag.Int("size", 4000, "approximate body size of each article in bytes")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same files")
	perDir := flag.Int("per-dir", 1000, "articles per subdirectory (0: all in one directory)")
	var nr testgen.Newsroom
	flag.IntVar(&nr.Sections, "sections", 0, "write Markdown articles spread over this many section folders (0: news text in -per-dir folders)")
	flag.IntVar(&nr.Authors, "authors", 500, "reporters the Markdown articles name (with -sections)")
	flag.IntVar(&nr.Tags, "tags", 1000, "tags the Markdown articles carry (with -sections)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gen [-n N] [-size BYTES] [-seed S] [-per-dir K | -sections S -authors A -tags T] DIR")
		os.Exit(2)
	}
	var total int64
	var err error
	if nr.Sections > 0 {
		total, err = nr.WriteDir(flag.Arg(0), *seed, *n, *size)
	} else {
		total, err = testgen.WriteDir(flag.Arg(0), *seed, *n, *size, *perDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d articles, %d bytes, into %s\n", *n, total, flag.Arg(0))
}
