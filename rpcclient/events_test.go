package rpcclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSSEDecoder: the event-stream format as the WHATWG spec writes it.
func TestSSEDecoder(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // "name|id|data"
		err      error
	}{
		{"one event", "id: 1\nevent: tip_changed\ndata: {\"height\":1}\n\n", []string{`tip_changed|1|{"height":1}`}, io.EOF},
		{"comments and keep-alives", ": subscribed\n\n: keep-alive\n\nevent: a\ndata: x\n\n", []string{"a||x"}, io.EOF},
		{"no name is message", "data: x\n\n", []string{"message||x"}, io.EOF},
		{"multi-line data", "data: a\ndata: b\n\n", []string{"message||a\nb"}, io.EOF},
		{"no space after colon", "event:a\ndata:x\n\n", []string{"a||x"}, io.EOF},
		{"CRLF", "event: a\r\ndata: x\r\n\r\n", []string{"a||x"}, io.EOF},
		{"id persists", "id: 7\ndata: x\n\ndata: y\n\n", []string{"message|7|x", "message|7|y"}, io.EOF},
		{"no data: no event", "event: a\n\nevent: b\ndata: y\n\n", []string{"b||y"}, io.EOF},
		{"unknown field skipped", "retry: 10\nfoo\nevent: a\ndata: x\n\n", []string{"a||x"}, io.EOF},
		{"cut inside an event", "event: a\ndata: x\n", nil, io.ErrUnexpectedEOF},
		{"cut inside a line", "event: a\ndata: x", nil, io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewSSEDecoder(strings.NewReader(tc.in))
			var got []string
			for {
				e, err := d.Next()
				if err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("err %v, want %v", err, tc.err)
					}
					break
				}
				got = append(got, e.Name+"|"+e.ID+"|"+string(e.Data))
			}
			if strings.Join(got, ";") != strings.Join(tc.want, ";") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSSEDecoderBounded: an endless line is refused, not buffered forever.
func TestSSEDecoderBounded(t *testing.T) {
	d := NewSSEDecoder(io.MultiReader(strings.NewReader("data: "), strings.NewReader(strings.Repeat("x", maxEventBytes+10))))
	if _, err := d.Next(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err %v", err)
	}
}

// FuzzSSEDecoder: any input decodes to events or an error, never a panic,
// and each event's data stays within the bound.
func FuzzSSEDecoder(f *testing.F) {
	f.Add("id: 1\nevent: tip_changed\ndata: {\"height\":1}\n\n")
	f.Add(": c\n\ndata: a\ndata: b\n\n")
	f.Add("event: a\r\ndata: x\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		d := NewSSEDecoder(strings.NewReader(in))
		for range len(in) + 1 {
			e, err := d.Next()
			if err != nil {
				return
			}
			if len(e.Data) > maxEventBytes+len(in) {
				t.Fatalf("event data %d bytes", len(e.Data))
			}
		}
		t.Fatal("decoder returned more events than input bytes")
	})
}

// TestSubscribeOutcomes: what Subscribe and Next make of a server's answers.
func TestSubscribeOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		subErr  error  // from Subscribe
		nextErr error  // from the first Next
		query   string // the request's query
	}{
		{"dropped", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": subscribed\n\nevent: dropped\ndata: {\"reason\":\"slow\"}\n\n")
		}, nil, ErrDropped, "events=tip_changed"},
		{"node stops", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": subscribed\n\n")
		}, nil, io.EOF, "events=tip_changed"},
		{"no event stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"error":{"code":-32700}}`)
		}, ErrEventsUnsupported, nil, "events=tip_changed"},
		{"not found", http.NotFound, ErrEventsUnsupported, nil, "events=tip_changed"},
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusUnauthorized)
		}, ErrUnauthorized, nil, "events=tip_changed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var query string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				query = r.URL.RawQuery
				tc.handler(w, r)
			}))
			defer srv.Close()
			stream, err := New(srv.URL+"/", CookieUser, "pw").Subscribe(context.Background(), "tip_changed")
			if !errors.Is(err, tc.subErr) {
				t.Fatalf("Subscribe: %v, want %v", err, tc.subErr)
			}
			if query != tc.query {
				t.Errorf("query %q, want %q", query, tc.query)
			}
			if err != nil {
				return
			}
			defer stream.Close()
			if _, err := stream.Next(); !errors.Is(err, tc.nextErr) {
				t.Fatalf("Next: %v, want %v", err, tc.nextErr)
			}
		})
	}
}
