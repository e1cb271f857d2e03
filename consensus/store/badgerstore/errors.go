package badgerstore

import (
	"errors"

	"github.com/devchain/devchain/consensus/store"
)

// ErrDamaged is wrapped by every error about a store file that is missing
// or does not read (the MANIFEST, a table, the flush mark). It matches
// store.ErrCorrupt too: the datadir is damaged, which is never a consensus
// verdict.
var ErrDamaged error = damagedError{}

type damagedError struct{}

func (damagedError) Error() string        { return "store: damaged store file" }
func (damagedError) Is(target error) bool { return target == store.ErrCorrupt }

// ErrDiskFull is wrapped by the error of an open or a write refused
// because the disk's free space is below Options.MinFreeBytes.
var ErrDiskFull = errors.New("store: disk full")

// ErrOtherGenesis is returned by Open when the store was created for
// another genesis than Options.Genesis.
var ErrOtherGenesis = errors.New("store: the store belongs to another chain")
