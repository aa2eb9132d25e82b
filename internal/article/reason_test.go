package article

import (
	"errors"
	"fmt"
	"testing"
)

func TestReasonAndDetail(t *testing.T) {
	_, err := Parse("/srv/a/notes/empty.txt", nil, Options{})
	if got := Reason(err); got != ErrEmpty.Error() {
		t.Errorf("Reason(empty) = %q", got)
	}
	if got := Detail(err, "/srv/a/notes/empty.txt"); got != "file is empty" {
		t.Errorf("Detail = %q", got)
	}
	_, err = Parse("big.md", make([]byte, 20), Options{MaxSize: 10})
	if got, want := Detail(err, "big.md"), "file is larger than the size limit (20 bytes, limit 10)"; got != want {
		t.Errorf("Detail = %q, want %q", got, want)
	}
	if got := Reason(err); got != ErrTooLarge.Error() {
		t.Errorf("Reason(too large) = %q", got)
	}
	other := fmt.Errorf("read x: %w", errors.New("input/output error"))
	if Reason(other) != "" {
		t.Errorf("Reason of a foreign error = %q", Reason(other))
	}
	if got := Detail(other, "", "x"); got != "read x: input/output error" {
		t.Errorf("Detail kept %q", got)
	}
}
