package feed

import (
	"strconv"
	"strings"
	"time"
)

// words are the fixed texts of the HTML pages in one language, and how that language writes a
// date and time. A page's words follow the page's language, so a Korean article on an English
// site reads "입력 2024년 7월 9일 07:56" and its English neighbour "Published 9 July 2024, 07:56".
type words struct {
	Published   string // before the date an article was published
	Updated     string // before the date it was last changed
	By          string // byline, with %s for the names
	FiledUnder  string // before the categories
	AllArticles string // link to the home page
	Subscribe   string // before the feed links
	Nothing     string // an index with no article
	dateTime    func(time.Time) string
}

var englishMonths = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// locales are keyed by primary language subtag.
var locales = map[string]*words{
	"en": {
		Published:   "Published",
		Updated:     "updated",
		By:          "by %s",
		FiledUnder:  "Filed under",
		AllArticles: "All articles",
		Subscribe:   "Subscribe",
		Nothing:     "Nothing has been published yet.",
		// "%d %s %d, %02d:%02d" of day, month name, year, hour and minute, appended rather
		// than formatted: every entry of every index page shows one (TestDateTimeIsSprintf).
		dateTime: func(t time.Time) string {
			year, month, day := t.Date()
			var buf [48]byte
			b := append(strconv.AppendInt(buf[:0], int64(day), 10), ' ')
			b = append(append(b, englishMonths[month-1]...), ' ')
			b = append(strconv.AppendInt(b, int64(year), 10), ", "...)
			return string(appendClock(b, t))
		},
	},
	"ko": {
		Published:   "입력",
		Updated:     "수정",
		By:          "%s",
		FiledUnder:  "분류",
		AllArticles: "전체 기사",
		Subscribe:   "구독",
		Nothing:     "아직 게시된 기사가 없습니다.",
		// "%d년 %d월 %d일 %02d:%02d", appended as for English.
		dateTime: func(t time.Time) string {
			year, month, day := t.Date()
			var buf [48]byte
			b := append(strconv.AppendInt(buf[:0], int64(year), 10), "년 "...)
			b = append(strconv.AppendInt(b, int64(month), 10), "월 "...)
			b = append(strconv.AppendInt(b, int64(day), 10), "일 "...)
			return string(appendClock(b, t))
		},
	},
}

// appendClock appends t's "%02d:%02d" of hour and minute.
func appendClock(b []byte, t time.Time) []byte {
	hour, minute, _ := t.Clock()
	return append2(append(append2(b, hour), ':'), minute)
}

// defaultLocale is used for languages without words of their own.
const defaultLocale = "en"

// wordsFor returns the words for a BCP 47 tag, judged by its primary subtag ("ko-KR" is Korean);
// English for any language it has no words for.
func wordsFor(lang string) *words {
	primary, _, _ := strings.Cut(lang, "-")
	if w, ok := locales[strings.ToLower(primary)]; ok {
		return w
	}
	return locales[defaultLocale]
}

// byline is the byline of names in w's language.
func (w *words) byline(names string) string {
	// The names in place of By's one %s, as fmt.Sprintf would put them, but without
	// formatting: it runs for every entry of every page.
	before, after, _ := strings.Cut(w.By, "%s")
	return before + names + after
}
