package websubtest

import (
	"testing"

	"github.com/feedpub/feedpub/internal/websub"
)

func TestMemStore(t *testing.T) {
	TestStore(t, func(*testing.T) websub.Store { return NewMemStore() })
}
