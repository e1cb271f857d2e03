package badgerstore

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// DefaultMinFreeBytes is the free-space floor below which the store takes
// no more writes (and does not open), as Bitcoin Core shuts down when its
// disk runs low. Badger writes through memory-mapped files: on a full disk
// a write into one is a SIGBUS that kills the process with a stack trace,
// so the store stops while Badger still has room for what is in flight (a
// memtable of DefaultMemTableSize and its table, compactions, two blocks).
const DefaultMinFreeBytes = 64 << 20

// freeBytes returns the space an unprivileged writer may still use in dir.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("store: free space of %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// checkFreeSpace refuses to go on below the floor (0: no floor).
func checkFreeSpace(dir string, floor int64) error {
	if floor <= 0 {
		return nil
	}
	free, err := freeBytes(dir)
	if err != nil {
		return err
	}
	if free < uint64(floor) {
		return fmt.Errorf("%w: %d MiB free on the disk of %s, below the floor of %d MiB: free some space and start the node again",
			ErrDiskFull, free>>20, dir, floor>>20)
	}
	return nil
}
