package article

import (
	"errors"
	"strings"
)

var sentinels = []error{ErrUnsupported, ErrTooLarge, ErrEmpty, ErrBinary, ErrNoTitle, ErrDraft, ErrInvalid}

// Reason names the kind of err as its sentinel's text ("file is empty"), for counting
// rejections by cause; it is "" when err wraps none of this package's sentinels.
func Reason(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return ""
}

// Detail is err's message without the leading "NAME: " that names the file (errors from
// this package start so), for a log line whose path field already names the file.
func Detail(err error, names ...string) string {
	msg := err.Error()
	for _, n := range names {
		if n != "" {
			msg = strings.TrimPrefix(msg, n+": ")
		}
	}
	return msg
}
