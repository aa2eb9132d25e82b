package feed

import (
	"fmt"
	"testing"
	"time"
)

func TestLocaleWords(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	// 07:56 KST is still the 8th in UTC: the date must be read in the zone it is shown in.
	at := time.Date(2024, 7, 9, 7, 56, 0, 0, seoul)
	for _, tc := range []struct {
		lang, published, date, byline, subscribe string
	}{
		{"en", "Published", "9 July 2024, 07:56", "by Na-Ri Shin", "Subscribe"},
		{"en-GB", "Published", "9 July 2024, 07:56", "by Na-Ri Shin", "Subscribe"},
		{"ko", "입력", "2024년 7월 9일 07:56", "Na-Ri Shin", "구독"},
		{"ko-KR", "입력", "2024년 7월 9일 07:56", "Na-Ri Shin", "구독"},
		{"KO", "입력", "2024년 7월 9일 07:56", "Na-Ri Shin", "구독"},
		{"fr", "Published", "9 July 2024, 07:56", "by Na-Ri Shin", "Subscribe"}, // no French words yet
		{"", "Published", "9 July 2024, 07:56", "by Na-Ri Shin", "Subscribe"},
	} {
		w := wordsFor(tc.lang)
		if w.Published != tc.published || w.dateTime(at) != tc.date || w.byline("Na-Ri Shin") != tc.byline || w.Subscribe != tc.subscribe {
			t.Errorf("%q: %q %q %q %q", tc.lang, w.Published, w.dateTime(at), w.byline("Na-Ri Shin"), w.Subscribe)
		}
	}
	for lang, w := range locales {
		for name, s := range map[string]string{"Published": w.Published, "Updated": w.Updated, "By": w.By,
			"FiledUnder": w.FiledUnder, "AllArticles": w.AllArticles, "Subscribe": w.Subscribe, "Nothing": w.Nothing} {
			if s == "" {
				t.Errorf("locale %s has no %s", lang, name)
			}
		}
		if w.dateTime == nil {
			t.Errorf("locale %s has no date format", lang)
		}
	}
	if got := wordsFor("en").dateTime(time.Date(2024, 12, 31, 23, 5, 0, 0, time.UTC)); got != "31 December 2024, 23:05" {
		t.Errorf("december: %q", got)
	}
}

// TestBylineIsSprintf: byline puts the names where fmt.Sprintf(By, names) would, in every
// locale, whatever the names hold.
func TestBylineIsSprintf(t *testing.T) {
	for lang, w := range locales {
		for _, names := range []string{"", "Alice", "Alice, Bob %s %d 100%"} {
			if got, want := w.byline(names), fmt.Sprintf(w.By, names); got != want {
				t.Errorf("%s byline(%q) = %q, want %q", lang, names, got, want)
			}
		}
	}
}

// TestDateTimeIsSprintf: each locale's dateTime writes what the format it replaced wrote.
func TestDateTimeIsSprintf(t *testing.T) {
	for _, tm := range []time.Time{time.Date(2024, 7, 9, 7, 56, 0, 0, time.UTC), time.Date(5, 12, 31, 23, 5, 0, 0, time.UTC),
		time.Date(-44, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(12345, 1, 1, 9, 9, 9, 0, time.FixedZone("", 3600))} {
		if got, want := locales["en"].dateTime(tm), fmt.Sprintf("%d %s %d, %02d:%02d", tm.Day(), englishMonths[tm.Month()-1], tm.Year(), tm.Hour(), tm.Minute()); got != want {
			t.Errorf("en dateTime(%v) = %q, want %q", tm, got, want)
		}
		if got, want := locales["ko"].dateTime(tm), fmt.Sprintf("%d년 %d월 %d일 %02d:%02d", tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute()); got != want {
			t.Errorf("ko dateTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
