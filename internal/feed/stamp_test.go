package feed

import (
	"testing"
	"time"
)

func checkRFC3339(t *testing.T, tm time.Time) {
	t.Helper()
	if got, want := rfc3339(tm), tm.Format(time.RFC3339); got != want {
		t.Errorf("rfc3339(%v) = %q, want %q", tm, got, want)
	}
}

func TestAppendRFC3339(t *testing.T) {
	for _, off := range []int{0, 9 * 3600, -5 * 3600, 5*3600 + 45*60, 86399, -86399, 86400, -86400, 100 * 3600, -(3*3600 + 30*60), 3601, -3601, 59, -59, 14 * 3600} {
		zone := time.FixedZone("", off)
		for _, tm := range []time.Time{
			time.Date(2024, 7, 9, 7, 56, 3, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(999, 12, 31, 23, 59, 59, 0, time.UTC),
			time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), {}, time.Unix(0, 0),
		} {
			checkRFC3339(t, tm.In(zone))
		}
	}
}

func FuzzAppendRFC3339(f *testing.F) {
	f.Add(int64(1720511763), int32(32400))
	f.Add(int64(-62135596800), int32(-3601))
	f.Fuzz(func(t *testing.T, sec int64, offset int32) {
		checkRFC3339(t, time.Unix(sec, 0).In(time.FixedZone("", int(offset))))
	})
}
