package catalog

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache holds readers' statements, prepared once for the catalog's life (the writer's
// are prepared per transaction, statements.go). database/sql prepares a *sql.Stmt on each
// connection that runs it and keeps it there, where db.QueryContext parses and plans the SQL
// anew on every call.
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

// errStmtCacheClosed is returned after close: the catalog is closed.
var errStmtCacheClosed = errors.New("catalog closed")

// get returns q prepared on db.
func (s *stmtCache) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errStmtCacheClosed
	}
	if st := s.m[q]; st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.m == nil {
		s.m = make(map[string]*sql.Stmt)
	}
	s.m[q] = st
	return st, nil
}

// close closes every statement; get fails from then on.
func (s *stmtCache) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for _, st := range s.m {
		errs = append(errs, st.Close())
	}
	s.m = nil
	return errors.Join(errs...)
}
