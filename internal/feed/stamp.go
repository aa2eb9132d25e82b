package feed

import "time"

// appendRFC3339 appends t as t.AppendFormat(b, time.RFC3339) does. Every entry's dates are
// written in that form on every page it is on, and the layout-driven formatter was a tenth of
// an archive page's time. Years outside 1000-9999 and offsets of a day or more, which need its
// rules for width and sign, still go through it. TestAppendRFC3339 and FuzzAppendRFC3339 hold
// it to AppendFormat.
func appendRFC3339(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	_, offset := t.Zone()
	if year < 1000 || year > 9999 || offset <= -86400 || offset >= 86400 {
		return t.AppendFormat(b, time.RFC3339)
	}
	hour, minute, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	b = append(append2(b, int(month)), '-')
	b = append(append2(b, day), 'T')
	b = append(append2(b, hour), ':')
	b = append(append2(b, minute), ':')
	b = append2(b, sec)
	if offset == 0 {
		return append(b, 'Z')
	}
	zone := offset / 60 // minutes, truncated toward zero as Format does
	sign := byte('+')
	if zone < 0 {
		sign, zone = '-', -zone
	}
	b = append(append2(append(b, sign), zone/60), ':')
	return append2(b, zone%60)
}

// append2 appends n (0-99) as two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// rfc3339 is appendRFC3339 as a string.
func rfc3339(t time.Time) string {
	var buf [32]byte
	return string(appendRFC3339(buf[:0], t))
}
