package badgerstore

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"
)

// Badger's MANIFEST lists the tables (.sst files) that make up the LSM
// tree. Badger trusts it blindly: a missing MANIFEST is recreated empty, a
// short one is cut back to its last whole record, and on open every table
// it does not list is deleted. A damaged MANIFEST thus silently rolls the
// chain back (or to nothing) and destroys the data that would have shown
// it. These checks run before Badger sees the directory.

const manifestName = badger.ManifestFilename

// manifestTables is what a MANIFEST says about the tables.
type manifestTables struct {
	live    map[uint64]bool // tables that exist, by id
	ever    map[uint64]bool // every id ever created or deleted
	maxEver uint64
}

// readManifest reads and verifies the MANIFEST of dir: every record must
// be whole, with its checksum.
func readManifest(dir string) (*manifestTables, error) {
	path := filepath.Join(dir, manifestName)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	m, end, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	if err != nil {
		return nil, fmt.Errorf("%w: %s (%d bytes) does not read: %v", ErrDamaged, path, st.Size(), err)
	}
	if end != st.Size() {
		return nil, fmt.Errorf("%w: %s ends in a partial record (%d bytes, the last whole record ends at %d): it was cut short",
			ErrDamaged, path, st.Size(), end)
	}
	t := &manifestTables{live: map[uint64]bool{}, ever: map[uint64]bool{}}
	for id := range m.Tables {
		t.live[id] = true
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	// ReplayManifestFile checked the magic and every record's checksum.
	for rest := data[8:]; len(rest) >= 8; {
		n := binary.BigEndian.Uint32(rest)
		var set pb.ManifestChangeSet
		if err := proto.Unmarshal(rest[8:8+n], &set); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, path, err)
		}
		for _, c := range set.Changes {
			t.ever[c.Id] = true
			t.maxEver = max(t.maxEver, c.Id)
		}
		rest = rest[8+n:]
	}
	return t, nil
}

// checkTables compares the MANIFEST with the .sst files of dir. A listed
// table must exist. An unlisted table is the leftover of a kill only if
// the MANIFEST deleted it (a compaction ended) or it is newer than every
// table the MANIFEST knows (a flush or compaction was writing it; one
// compaction writes many). A MANIFEST that knows no table at all has lost
// everything, unless the kill came during the store's first flush, whose
// data is then still in a memtable file. Any other unlisted table means
// the MANIFEST lost records, and opening would delete the table.
func checkTables(dir string, m *manifestTables) error {
	onDisk := map[uint64]bool{}
	memtables := false
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".mem") {
			if info, err := e.Info(); err == nil && info.Size() > 0 {
				memtables = true
			}
		}
		name, ok := strings.CutSuffix(e.Name(), ".sst")
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		onDisk[id] = true
	}
	for id := range m.live {
		if !onDisk[id] {
			return fmt.Errorf("%w: %s is missing (the MANIFEST lists it)", ErrDamaged, tablePath(dir, id))
		}
	}
	for id := range onDisk {
		switch {
		case m.live[id], m.ever[id]:
		case id > m.maxEver && (m.maxEver > 0 || memtables):
		case id > m.maxEver:
			return fmt.Errorf("%w: %s lists no table, and %s exists: it lost its records",
				ErrDamaged, filepath.Join(dir, manifestName), tablePath(dir, id))
		default:
			return fmt.Errorf("%w: %s does not list %s, which it never deleted: it lost records",
				ErrDamaged, filepath.Join(dir, manifestName), tablePath(dir, id))
		}
	}
	return nil
}

func tablePath(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%06d.sst", id))
}
