package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// A bulk reconcile logs a summary and its first rejections; a small one logs every entry.
func TestBulkReconcileLogs(t *testing.T) {
	var buf bytes.Buffer
	var progress [][2]int
	e := newEnv(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
		c.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	})
	for i := range 30 {
		e.write(fmt.Sprintf("a%02d.txt", i), plain(fmt.Sprintf("Article %d", i), "body"))
	}
	for i := range 12 {
		e.write(fmt.Sprintf("empty%02d.txt", i), "")
	}
	buf.Reset()
	r := e.reconcile()
	lines := map[string]int{}
	var summary map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		lines[m["msg"].(string)]++
		if m["msg"] == "catalog reconciled" {
			summary = m
		}
		if m["msg"] == "catalog rejected" && strings.Contains(m["reason"].(string), "empty") && strings.Contains(m["reason"].(string), ".txt") {
			t.Errorf("reason repeats the file: %s", l)
		}
	}
	if lines["catalog added"] != 0 || lines["catalog rejected"] != maxRejectLines || lines["catalog reconciled"] != 1 {
		t.Errorf("bulk reconcile logged %v", lines)
	}
	if reasons, _ := summary["reasons"].(map[string]any); reasons["file is empty"] != 12.0 || summary["rejections_not_listed"] != 2.0 {
		t.Errorf("summary %v", summary)
	}
	if len(r.Added) != 30 || len(progress) < 3 || progress[0] != [2]int{0, 42} || progress[len(progress)-1] != [2]int{42, 42} {
		t.Errorf("added %d, progress %v", len(r.Added), progress)
	}

	buf.Reset()
	e.write("new.txt", plain("New", "one more"))
	e.reconcile()
	if !strings.Contains(buf.String(), `"msg":"catalog added"`) {
		t.Errorf("a steady-state add was not logged:\n%s", buf.String())
	}
}
