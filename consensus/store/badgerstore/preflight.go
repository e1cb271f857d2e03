package badgerstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/devchain/devchain/consensus/store"
)

// A Badger open is not read-only even when it fails: it cuts the MANIFEST
// back to its last whole record, deletes every table the MANIFEST does not
// list, truncates the last value log at the first entry that does not
// read, and truncates or extends memtable files. Badger's read-only mode
// is no help: it refuses the memtables any kill leaves, and deletes
// unlisted tables all the same. So the store is verified before the
// writing open, in two steps that change nothing in dir:
//
//  1. The files: the MANIFEST must exist and read whole, and agree with
//     the tables on disk (manifest.go).
//  2. A dry run: a shadow directory beside dir gets a hard link to every
//     file Badger does not write while compactions are off (the tables the
//     MANIFEST lists, value logs but the last and the empty ones) and a
//     copy of every file it may write (the MANIFEST, memtables, the last
//     value log, its small bookkeeping files). A hard link shares the
//     file: Badger "deletes" a table or value log by truncating it to 0
//     bytes first, so the shadow runs without compactions and holds no
//     file Badger would delete. Badger opens the shadow, the whole store
//     is read back (Check, when Options.CheckValues: every value, Merkle
//     roots, the cross-checks), its genesis and tip are compared with what
//     the caller expects and with the flush mark; then the shadow is
//     removed.
//
// Only a store that passed both is opened for writing, and that open does
// to dir what it did to the shadow, which was shown harmless. The cost is
// the copy of the files Badger may write (up to two memtables and one
// value log, holes skipped) and one pass over the store, which the
// start-up check did anyway.

// shadowSuffix names the dry run's directory, beside the store's.
const shadowSuffix = ".preflight"

// storeFiles lists dir's entries; none is a fresh store.
func storeFiles(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return entries, nil
}

// preflight verifies the store in dir without writing to it.
func preflight(dir string, entries []os.DirEntry, opts Options) error {
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	if !names[manifestName] {
		return fmt.Errorf("%w: %s is missing: Badger would start an empty store and delete every table",
			ErrDamaged, filepath.Join(dir, manifestName))
	}
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	if err := checkTables(dir, m); err != nil {
		return err
	}
	mark, haveMark, err := readMark(dir)
	if err != nil {
		return err
	}
	shadow := dir + shadowSuffix
	if err := os.RemoveAll(shadow); err != nil { // left by a kill during a dry run
		return fmt.Errorf("store: %w", err)
	}
	if err := buildShadow(dir, shadow, entries, m); err != nil {
		os.RemoveAll(shadow)
		return err
	}
	defer os.RemoveAll(shadow)
	s, err := openDB(shadow, opts, true)
	if err != nil {
		return fmt.Errorf("store: dry run of the open of %s: %w", dir, err)
	}
	err = s.verify(dir, opts, mark, haveMark)
	if cerr := s.db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store: dry run of the open of %s: close: %w", dir, cerr)
	}
	return err
}

// buildShadow fills shadow with links to, or copies of, dir's files.
func buildShadow(dir, shadow string, entries []os.DirEntry, m *manifestTables) error {
	if err := os.Mkdir(shadow, 0o700); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var vlogs []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".vlog") {
			vlogs = append(vlogs, e.Name())
		}
	}
	sort.Strings(vlogs) // fixed-width ids: the last sorts last
	for _, e := range entries {
		name := e.Name()
		src, dst := filepath.Join(dir, name), filepath.Join(shadow, name)
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		var ferr error
		switch {
		case !info.Mode().IsRegular(), name == "LOCK", strings.HasPrefix(name, markName):
			continue
		case strings.HasSuffix(name, ".mem") && info.Size() == 0:
			continue // a kill's leftover (see removeEmptyMemtables)
		case strings.HasSuffix(name, ".sst"):
			if !listedTable(name, m) {
				continue // a kill's leftover, which Badger deletes
			}
			ferr = os.Link(src, dst)
		case strings.HasSuffix(name, ".vlog") && name != vlogs[len(vlogs)-1] && info.Size() > emptyVlogBytes:
			ferr = os.Link(src, dst)
		default:
			ferr = copySparse(src, dst)
		}
		if ferr != nil {
			return fmt.Errorf("store: dry run: %w", ferr)
		}
	}
	return nil
}

// emptyVlogBytes bounds a value log holding no entry (its header), which
// Badger deletes when it is not the last.
const emptyVlogBytes = 4 << 10

func listedTable(name string, m *manifestTables) bool {
	id, err := strconv.ParseUint(strings.TrimSuffix(name, ".sst"), 10, 64)
	return err == nil && m.live[id]
}

// verify reads the whole store back and compares it with what the caller
// expects (genesis) and with the flush mark. dir names the real store in
// errors.
func (s *Store) verify(dir string, opts Options, mark flushMark, haveMark bool) error {
	genesis := opts.Genesis
	if err := s.checkSchema(); err != nil {
		return err
	}
	if err := s.recoverJournal(); err != nil {
		return err
	}
	if opts.CheckValues {
		if err := s.Check(); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
	}
	if g, ok, err := s.Genesis(); err != nil {
		return err
	} else if ok && genesis != nil && g != *genesis {
		return fmt.Errorf("%w: %s holds genesis %s, the node runs genesis %s", ErrOtherGenesis, dir, g, *genesis)
	}
	if !haveMark {
		return nil
	}
	v, err := s.get(hashKey(prefixRecord, mark.Tip))
	if errors.Is(err, store.ErrNotFound) {
		tipHeight := "none"
		if tip, err := s.Tip(); err == nil {
			if r, err := s.get(hashKey(prefixRecord, tip)); err == nil {
				if rec, err := decodeRecord(r); err == nil {
					tipHeight = fmt.Sprint(rec.Height)
				}
			}
		}
		return fmt.Errorf("%w: %s holds less than the node last flushed: block %s at height %d (recorded in %s) is missing, the store's tip is at height %s: its files were damaged, replaced or rolled back",
			ErrDamaged, dir, mark.Tip, mark.Height, filepath.Join(dir, markName), tipHeight)
	}
	if err != nil {
		return err
	}
	rec, err := decodeRecord(v)
	if err != nil {
		return err
	}
	if !rec.Status.Has(store.StatusHaveData | store.StatusValid) {
		return fmt.Errorf("%w: %s holds less than the node last flushed: block %s at height %d (recorded in %s) lost its data",
			ErrDamaged, dir, mark.Tip, mark.Height, filepath.Join(dir, markName))
	}
	return nil
}

// removeEmptyMemtables deletes the 0-byte memtable files a kill can leave
// (dgraph-io/badger#2207): the file was created but never sized, so it
// holds nothing, and Badger fails to open a store that has one ("Create a
// new file"), then sizes it, so that only the second start worked.
func removeEmptyMemtables(dir string, entries []os.DirEntry) error {
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if info.Mode().IsRegular() && info.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
	}
	return nil
}

// badgerOptions are the options of the store in dir. A dry run also
// verifies every table's checksums as it opens it.
func badgerOptions(dir string, opts Options, dryRun bool) badger.Options {
	memTable := opts.MemTableSize
	if memTable <= 0 {
		memTable = DefaultMemTableSize
	}
	bopts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{opts.Logger}).
		WithMemTableSize(memTable).
		WithNumMemtables(2).
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(12).
		WithNumCompactors(numCompactors).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(valueLogFileSize).
		WithVerifyValueChecksum(true).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(indexCacheSize).
		WithNumVersionsToKeep(1).
		// One writer (the engine, under the node's lock): no conflicts to detect.
		WithDetectConflicts(false)
	if dryRun {
		// No compactions: they would delete (truncate) linked tables. L0
		// then never drains, so it must not stall the few writes of a dry
		// run (a journal replay, the memtables flushed at close).
		bopts = bopts.WithChecksumVerificationMode(options.OnTableRead).
			WithNumCompactors(0).
			WithNumLevelZeroTables(1 << 20).
			WithNumLevelZeroTablesStall(1<<20 + 1).
			WithLogger(badgerLogger{})
	}
	return bopts
}
