package p2p

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestFrameLimit(t *testing.T) {
	var buf bytes.Buffer
	if err := writeFrame(&buf, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := readFrame(bufio.NewReader(&buf), 99); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("oversized frame: %v", err)
	}
}

// FuzzReadFrame: no bytes make the frame reader panic.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = readFrame(bufio.NewReader(bytes.NewReader(b)), 1<<20)
	})
}

// TestFrameCutIsNotMalformed: a stream that ends or breaks in the middle
// of a frame's length (a peer killed mid-write) is an I/O error, not a
// malformed message that would get an honest peer banned; an overlong
// length is malformed.
func TestFrameCutIsNotMalformed(t *testing.T) {
	for _, in := range [][]byte{{0x80}, {0xff, 0xff}} {
		_, err := readFrame(bufio.NewReader(bytes.NewReader(in)), 1<<20)
		if err == nil || errors.Is(err, ErrBadMessage) || errors.Is(err, io.EOF) {
			t.Errorf("%x: %v, want an I/O error", in, err)
		}
	}
	broken := io.MultiReader(bytes.NewReader([]byte{0x81}), iotest.ErrReader(errors.New("stream reset")))
	if _, err := readFrame(bufio.NewReader(broken), 1<<20); err == nil || errors.Is(err, ErrBadMessage) {
		t.Errorf("reset mid-length: %v, want an I/O error", err)
	}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(nil)), 1<<20); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	overlong := bytes.Repeat([]byte{0xff}, 10)
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(append(overlong, 1))), 1<<20); !errors.Is(err, ErrBadMessage) {
		t.Errorf("overlong length: %v, want ErrBadMessage", err)
	}
}
