package events

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Stream timing: a comment line every KeepAlive lets clients and proxies
// tell an idle stream from a dead one; a write that takes longer than
// WriteTimeout (a client that stopped reading) ends the stream.
const (
	KeepAlive    = 15 * time.Second
	WriteTimeout = 30 * time.Second
)

// ServeHTTP streams a subscription as Server-Sent Events: each event is
// written as "id: SEQ", "event: NAME", "data: JSON" and a blank line. The
// query parameter events=NAME,NAME keeps only those events. The caller
// authenticates the request first.
//
// The subscription is in place when the response headers arrive (the body
// opens with a ": subscribed" comment), so a client that waits for them
// misses nothing that happens afterwards.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "events: GET /events streams Server-Sent Events", http.StatusMethodNotAllowed)
		return
	}
	var names []string
	if q := r.URL.Query().Get("events"); q != "" {
		for _, n := range strings.Split(q, ",") {
			if !known(n) {
				http.Error(w, fmt.Sprintf("events: unknown event %q (want some of %s)", n, strings.Join(Names, ",")), http.StatusBadRequest)
				return
			}
			names = append(names, n)
		}
	}
	sub, ok := h.Subscribe(DefaultBuffer, names...)
	if !ok {
		http.Error(w, "events: too many subscribers, or the node is stopping", http.StatusServiceUnavailable)
		return
	}
	defer sub.Close()
	rc := http.NewResponseController(w)
	// The server's read timeout bounds reading a request; a stream lives
	// longer, and a read deadline passing would cancel its context.
	_ = rc.SetReadDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(write func(io.Writer) error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(WriteTimeout))
		return write(w) == nil && rc.Flush() == nil
	}
	if !send(func(w io.Writer) error { _, err := io.WriteString(w, ": subscribed\n\n"); return err }) {
		return
	}
	keepAlive := time.NewTicker(KeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			if !send(func(w io.Writer) error { _, err := io.WriteString(w, ": keep-alive\n\n"); return err }) {
				return
			}
		case m, open := <-sub.C:
			if !open {
				if sub.Lagged() {
					send(func(w io.Writer) error {
						return WriteEvent(w, Message{Name: Dropped,
							Data: []byte(`{"reason":"subscriber fell behind: events were lost; reconnect and resynchronise"}`)})
					})
				}
				return
			}
			if !send(func(w io.Writer) error { return WriteEvent(w, m) }) {
				return
			}
		}
	}
}

// WriteEvent writes one event in the SSE format. Data is JSON without
// newlines (encoding/json never emits one), so it fits one data line.
func WriteEvent(w io.Writer, m Message) error {
	var err error
	if m.Seq != 0 {
		_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", m.Seq, m.Name, m.Data)
	} else {
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Name, m.Data)
	}
	return err
}

func known(name string) bool {
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}
