package catalog

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/feedpub/feedpub/internal/article"
)

// listSeeds are columns as encodeLists writes them and shapes only json.Unmarshal reads.
var listSeeds = []string{
	`[]`, `null`, `[{"name":"Ann"}]`, `[{"name":"Ann","email":"a@example.org"},{"name":"Bo"}]`,
	`[{"name":"Zoë \u003cz\u003e","email":"z@example.org"}]`, `[{"name":"Tab\there"}]`,
	`[{"name":"","email":"x@example.org"}]`, `[{"Name":"Case"}]`, `[ {"name":"Spaced"} ]`,
	`[{"name":"A","email":""}]`, `[{"name":"A","extra":1}]`, `[{"name":"A"},]`, `[{"name":"A"}] `,
	`["food","R&D"]`, `["東京"]`, `[""]`, `["a\"b"]`, `["a",1]`, `["a"`, `[`, `{}`, "[\"\xff\"]",
	"[\"a\x01\"]", `["a","b"]x`, `[{"name":"A"}{"name":"B"}]`, `[{"name":"A""email":"e"}]`,
}

func TestDecodeLists(t *testing.T) {
	for _, in := range listSeeds {
		checkLists(t, in)
	}
	// The shapes encodeLists writes take the fast path.
	for _, art := range []*article.Article{
		{},
		{Authors: []article.Author{{Name: "Ann", Email: "a@example.org"}, {Name: "Zoë"}}, Categories: []string{"food", "東京"}},
	} {
		a, c, err := encodeLists(art)
		if err != nil {
			t.Fatal(err)
		}
		if as, ok := fastAuthors(a); !ok || !reflect.DeepEqual(as, nilIfEmpty(art.Authors)) {
			t.Errorf("fastAuthors(%s) = %v, %v", a, as, ok)
		}
		if cs, ok := fastStrings(c); !ok || !reflect.DeepEqual(cs, nilIfEmpty(art.Categories)) {
			t.Errorf("fastStrings(%s) = %v, %v", c, cs, ok)
		}
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkLists holds decodeAuthors and decodeCategories to json.Unmarshal, as scanEntry used it.
func checkLists(t *testing.T, in string) {
	t.Helper()
	var wantA []article.Author
	errA := json.Unmarshal([]byte(in), &wantA)
	gotA, err := decodeAuthors(in)
	if (err != nil) != (errA != nil) || (errA == nil && !reflect.DeepEqual(gotA, nilIfEmpty(wantA))) {
		t.Errorf("decodeAuthors(%q) = %#v, %v; json.Unmarshal: %#v, %v", in, gotA, err, wantA, errA)
	}
	var wantC []string
	errC := json.Unmarshal([]byte(in), &wantC)
	gotC, err := decodeCategories(in)
	if (err != nil) != (errC != nil) || (errC == nil && !reflect.DeepEqual(gotC, nilIfEmpty(wantC))) {
		t.Errorf("decodeCategories(%q) = %#v, %v; json.Unmarshal: %#v, %v", in, gotC, err, wantC, errC)
	}
}

func FuzzDecodeLists(f *testing.F) {
	for _, s := range listSeeds {
		f.Add(s)
	}
	f.Fuzz(checkLists)
}
