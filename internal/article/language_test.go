package article

import (
	"strings"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"hangul", "서울시, 지하철 요금 150원 인상", "ko"},
		{"hangul with an English name", "BTS 방탄소년단 새 앨범 발표", "ko"},
		{"hangul with hanja", "韓國 경제 성장률 발표", "ko"},
		{"kana and kanji", "東京で桜が満開に", "ja"},
		{"katakana", "コンピュータ", "ja"},
		{"han only", "中国经济增长", "zh"},
		{"thai", "ข่าววันนี้", "th"},
		{"greek", "Ειδήσεις σήμερα", "el"},
		{"hebrew", "חדשות היום", "he"},
		{"latin says nothing", "Yoon: Russia Needs to Judge", ""},
		{"cyrillic is many languages", "Новости дня", ""},
		{"arabic is many languages", "أخبار اليوم", ""},
		{"mostly latin with one hangul word", "Seoul subway fares rise by 150 won: 서울", ""},
		{"no letters", "2024 — 150!", ""},
		{"empty", "", ""},
	} {
		if got := DetectLanguage(tc.text); got != tc.want {
			t.Errorf("%s: DetectLanguage(%q) = %q, want %q", tc.name, tc.text, got, tc.want)
		}
	}
}

func TestDetectLanguageFor(t *testing.T) {
	for _, tc := range []struct{ text, site, want string }{
		{"Yoon: Russia Needs to Judge", "ko-KR", "en"}, // Latin on a Hangul site
		{"Yoon: Russia Needs to Judge", "ja", "en"},
		{"Yoon: Russia Needs to Judge", "en", ""}, // the site's own script: its language
		{"Yoon: Russia Needs to Judge", "fr", ""},
		{"Yoon: Russia Needs to Judge", "", ""},
		{"서울시 지하철", "en", "ko"},
		{"서울시 지하철", "ko", "ko"},
		{"Новости дня", "ko", ""}, // Cyrillic names no language
		{"2024", "ko", ""},
	} {
		if got := DetectLanguageFor(tc.text, tc.site); got != tc.want {
			t.Errorf("DetectLanguageFor(%q, %q) = %q, want %q", tc.text, tc.site, got, tc.want)
		}
	}
}

func TestCanonicalLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"ko": "ko", "KO-kr": "ko-KR", "ko_KR": "ko-KR", " en-gb ": "en-GB", "zh-hant": "zh-Hant",
		"": "", "not a language!": "", "x": "", "12": "",
	} {
		if got, ok := canonicalLanguage(in); got != want || ok != (want != "") {
			t.Errorf("canonicalLanguage(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSameLanguage(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"ko", "ko-KR", true}, {"KO", "ko", true}, {"en", "en-GB", true},
		{"ko", "en", false}, {"", "", false}, {"zh-Hant", "zh-Hans", true},
	} {
		if got := SameLanguage(tc.a, tc.b); got != tc.want {
			t.Errorf("SameLanguage(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestOwnOffsetAndSlug(t *testing.T) {
	loc := seoul(t)
	for _, tc := range []struct {
		name, file, src string
		own             bool
		slug, lang      string
	}{
		{"rfc 3339 offset", "a.md", "---\ntitle: T\ndate: 2024-07-09T07:56:00+09:00\n---\nx", true, "t", ""},
		{"utc Z", "a.md", "---\ntitle: T\ndate: 2024-07-09T07:56:00Z\n---\nx", true, "t", ""},
		{"zone-less", "a.md", "---\ntitle: T\ndate: 2024-07-09 07:56\n---\nx", false, "t", ""},
		{"toml offset", "a.md", "+++\ntitle = \"T\"\ndate = 2024-07-09T07:56:00-04:00\n+++\nx", true, "t", ""},
		{"toml local", "a.md", "+++\ntitle = \"T\"\ndate = 2024-07-09T07:56:00\n+++\nx", false, "t", ""},
		{"html meta offset", "a.html", `<meta property="article:published_time" content="2024-07-09T07:56:00+09:00"><title>T</title><p>x`, true, "t", ""},
		{"html time zone-less", "a.html", `<title>T</title><time datetime="2024-07-09 07:56">x</time>`, false, "t", ""},
		{"slug key put through the rule", "a.md", "---\ntitle: T\nslug: Mein Café!\n---\nx", false, "mein-café", ""},
		{"korean title, korean slug", "a.md", "---\ntitle: 지하철 요금 인상\n---\nx", false, "지하철-요금-인상", "ko"},
		{"declared language wins over the script", "a.md", "---\ntitle: 지하철\nlang: en\n---\nx", false, "지하철", "en"},
		{"news text is zone-less", "a.txt", "Title Here\n\nPosted July 9, 2024 07:56\n\nBody text.\n", false, "title-here", ""},
	} {
		a, err := Parse(tc.file, []byte(tc.src), Options{Location: loc})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if a.OwnOffset != tc.own || a.BaseSlug() != tc.slug || a.Language != tc.lang {
			t.Errorf("%s: own offset %v slug %q lang %q; want %v %q %q", tc.name, a.OwnOffset, a.BaseSlug(), a.Language, tc.own, tc.slug, tc.lang)
		}
		if strings.Contains(tc.name, "offset") && tc.own {
			if _, off := a.Published.Zone(); off == 0 && !strings.Contains(tc.src, "Z\n") {
				t.Errorf("%s: offset lost: %v", tc.name, a.Published)
			}
		}
	}
}

func checkDetectIn(t *testing.T, site, a, b string) {
	if got, want := DetectLanguageIn(site, a, b), DetectLanguageFor(a+"\n"+b, site); got != want {
		t.Errorf("DetectLanguageIn(%q, %q, %q) = %q, DetectLanguageFor of the joined text %q", site, a, b, got, want)
	}
}

// FuzzDetectLanguageIn: judging a title and a summary apart is judging them joined.
func FuzzDetectLanguageIn(f *testing.F) {
	f.Add("ko", "Seoul 서울", "summary ภาษาไทย")
	f.Add("en", "東京の天気", "")
	f.Add("th", "", "Ελληνικά text")
	f.Fuzz(checkDetectIn)
}
