package badgerstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// The start-up checks read two files before Badger does: the flush mark
// and the MANIFEST. Whatever they hold, the checks answer a value or an
// error wrapping store.ErrCorrupt, never a panic.

func FuzzReadMark(f *testing.F) {
	f.Add(flushMark{Height: 31, Tip: chain.DoubleSHA256([]byte("tip"))}.encode())
	f.Add([]byte("height 1 tip 00 crc32 0\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMark("FLUSHED", data)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("parseMark error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// Only what encode writes reads back.
		if got := m.encode(); !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(data)) {
			t.Fatalf("mark %q re-encodes as %q", data, got)
		}
	})
}

// manifestBytes builds a MANIFEST of the given change sets.
func manifestBytes(sets ...*pb.ManifestChangeSet) []byte {
	b := []byte("Bdgr\x00\x00\x00\x08")
	for _, set := range sets {
		payload, _ := proto.Marshal(set)
		b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
		b = append(b, payload...)
	}
	return b
}

func FuzzReadManifest(f *testing.F) {
	create := &pb.ManifestChangeSet{Changes: []*pb.ManifestChange{{Id: 1, Op: pb.ManifestChange_CREATE}, {Id: 2, Op: pb.ManifestChange_CREATE}}}
	del := &pb.ManifestChangeSet{Changes: []*pb.ManifestChange{{Id: 1, Op: pb.ManifestChange_DELETE}}}
	whole := manifestBytes(create, del)
	f.Add(whole)
	f.Add(whole[:len(whole)-4])
	f.Add(whole[:5])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, manifestName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := readManifest(dir)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("readManifest error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		for id := range m.live {
			if !m.ever[id] || id > m.maxEver {
				t.Fatalf("live table %d not among the ids ever seen", id)
			}
		}
	})
}

// TestManifestAgainstTables: the MANIFEST's seed above, checked against
// tables on disk. A listed table must exist; an unlisted one passes only
// as a kill's leftover (deleted by the MANIFEST, or newer than every
// table it knows).
func TestManifestAgainstTables(t *testing.T) {
	create := &pb.ManifestChangeSet{Changes: []*pb.ManifestChange{{Id: 1, Op: pb.ManifestChange_CREATE}, {Id: 2, Op: pb.ManifestChange_CREATE}, {Id: 4, Op: pb.ManifestChange_CREATE}}}
	del := &pb.ManifestChangeSet{Changes: []*pb.ManifestChange{{Id: 1, Op: pb.ManifestChange_DELETE}}}
	tests := []struct {
		name   string
		tables []uint64
		ok     bool
	}{
		{"exactly the listed tables", []uint64{2, 4}, true},
		{"a listed table missing", []uint64{2}, false},
		{"a deleted table left by a kill", []uint64{1, 2, 4}, true},
		{"a table being written when killed", []uint64{2, 4, 5}, true},
		{"a compaction's tables being written when killed", []uint64{2, 4, 5, 6, 7, 8, 9, 10, 11}, true},
		{"an old table the MANIFEST never saw", []uint64{2, 3, 4}, false},
	}
	emptyManifest := func(dir string) {
		os.WriteFile(filepath.Join(dir, manifestName), manifestBytes(), 0o600)
		os.WriteFile(tablePath(dir, 7), []byte("table"), 0o600)
	}
	t.Run("tables but a MANIFEST that lists none", func(t *testing.T) {
		dir := t.TempDir()
		emptyManifest(dir)
		m, err := readManifest(dir)
		if err == nil {
			err = checkTables(dir, m)
		}
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("checkTables: %v, want a refusal", err)
		}
	})
	t.Run("killed during the first flush", func(t *testing.T) {
		dir := t.TempDir()
		emptyManifest(dir)
		os.WriteFile(filepath.Join(dir, "00001.mem"), []byte("entries"), 0o600)
		m, err := readManifest(dir)
		if err == nil {
			err = checkTables(dir, m)
		}
		if err != nil {
			t.Fatalf("checkTables: %v, want the flush's leftover accepted", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, manifestName), manifestBytes(create, del), 0o600)
			for _, id := range tt.tables {
				os.WriteFile(tablePath(dir, id), []byte("table"), 0o600)
			}
			m, err := readManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			err = checkTables(dir, m)
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, store.ErrCorrupt)) {
				t.Fatalf("checkTables: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
