package node

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/devchain/devchain/chain"
)

// FuzzMempoolFile: whatever DATADIR/mempool.dat holds (a crash can cut the
// last write anywhere), reading it returns the well-formed records before
// the damage and never panics.
func FuzzMempoolFile(f *testing.F) {
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{}}, Outputs: []chain.TxOut{{Amount: 5}}}
	rec := appendMempoolRecord(nil, tx)
	f.Add(rec)
	f.Add(append(append([]byte{}, rec...), rec[:len(rec)/2]...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), mempoolFileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		txs, err := readMempoolFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var again []byte
		for _, tx := range txs {
			again = appendMempoolRecord(again, tx)
		}
		if !bytes.HasPrefix(data, again) {
			t.Fatalf("the records read are not a prefix of the file")
		}
	})
}

// A record the node did not write, though the decoders tolerate it (a
// padded length), ends the replay like any other damage.
func TestMempoolFileRefusesPaddedLength(t *testing.T) {
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{}}, Outputs: []chain.TxOut{{Amount: 5}}}
	rec := appendMempoolRecord(nil, tx)
	width := len(binary.AppendUvarint(nil, uint64(len(tx.Serialize()))))
	padded := append([]byte{}, rec[:width]...)
	padded[width-1] |= 0x80 // the same length, one byte longer
	padded = append(append(padded, 0x00), rec[width:]...)
	data := append(append([]byte{}, rec...), padded...)
	path := filepath.Join(t.TempDir(), mempoolFileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	txs, err := readMempoolFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 1 {
		t.Fatalf("read %d records, want the 1 before the padded one", len(txs))
	}
}
