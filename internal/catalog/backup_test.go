package catalog

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// A backup taken while the catalog is open is a sound catalog with every id; opened in place
// of the original it keeps every id.
func TestBackupWhileOpen(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "one"))
	e.write("b.txt", plain("Beta", "two"))
	e.reconcile()
	before := e.all()
	dst := filepath.Join(t.TempDir(), "backup.db")
	os.WriteFile(dst, []byte("an older backup"), 0o644) // replaced atomically
	rep, err := Backup(e.ctx, e.db, dst)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 2 || rep.Bytes == 0 || rep.Path != dst {
		t.Errorf("report %+v", rep)
	}
	e.cat.Close()
	e.cat = nil
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(e.db + suffix)
	}
	data, _ := os.ReadFile(dst)
	os.WriteFile(e.db, data, 0o644)
	e.open()
	after := e.all()
	if len(after) != len(before) {
		t.Fatalf("%d entries after restore, %d before", len(after), len(before))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Slug != after[i].Slug {
			t.Errorf("entry %d: %s/%s before, %s/%s after", i, before[i].ID, before[i].Slug, after[i].ID, after[i].Slug)
		}
	}
	if r := e.reconcile(); r.Changed() {
		t.Errorf("the restored catalog reconciled with changes: %s", counts(r))
	}
}

func TestBackupRefusesNonCatalog(t *testing.T) {
	dir := t.TempDir()
	if _, err := Backup(t.Context(), filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db")); err == nil {
		t.Error("backup of a missing catalog succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("backup created the catalog it was to copy")
	}
	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", other)
	db.Exec("CREATE TABLE x(y)")
	db.Close()
	if _, err := Backup(t.Context(), other, filepath.Join(dir, "b.db")); err == nil {
		t.Error("backup of a database that is no catalog succeeded")
	}
}

// The catalog of a moved directory is found by the articles' content.
func TestFindOwner(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "one"))
	e.reconcile()
	moved := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(e.dir, "a.txt"))
	os.WriteFile(filepath.Join(moved, "a.txt"), data, 0o644)
	stateDir := filepath.Dir(e.db)
	// While the original directory exists, the same articles elsewhere are a copy.
	if got, err := FindOwner(e.ctx, stateDir, moved, filepath.Join(stateDir, "new.db")); got != "" || err != nil {
		t.Errorf("a copy: FindOwner = %q, %v; want none", got, err)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		t.Fatal(err)
	}
	got, err := FindOwner(e.ctx, stateDir, moved, filepath.Join(stateDir, "new.db"))
	if err != nil || got != e.db {
		t.Errorf("FindOwner = %q, %v; want %s", got, err, e.db)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "b.txt"), []byte(plain("Beta", "two")), 0o644)
	if got, err := FindOwner(e.ctx, stateDir, other, ""); got != "" || err != nil {
		t.Errorf("other articles: FindOwner = %q, %v", got, err)
	}
	if got, _ := FindOwner(e.ctx, stateDir, moved, e.db); got != "" {
		t.Errorf("the excepted catalog was returned")
	}
}
