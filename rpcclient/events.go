package rpcclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// EventsPath is where a node streams its events (Server-Sent Events).
const EventsPath = "/events"

// ErrEventsUnsupported is returned by Subscribe when the node has no event
// stream (an older node, or another server at the URL).
var ErrEventsUnsupported = errors.New("rpcclient: the node serves no event stream")

// ErrDropped is returned by EventStream.Next when the node dropped the
// subscription because it read too slowly: events were lost, so the caller
// must resynchronise from the node's state.
var ErrDropped = errors.New("rpcclient: event stream dropped by the node: this client fell behind and missed events")

// Event is one event of a node's stream: its name (block_connected,
// block_disconnected, tip_changed, tx_accepted, peer_connected,
// peer_disconnected), its id (a sequence number as text) and its JSON data.
type Event struct {
	ID   string
	Name string
	Data json.RawMessage
}

// Decode decodes the event's data into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("rpcclient: event %s: %w", e.Name, err)
	}
	return nil
}

// EventStream reads the events of one subscription, in the order the node
// published them.
type EventStream struct {
	body io.ReadCloser
	dec  *SSEDecoder
}

// Subscribe opens the node's event stream; names, when given, keep only
// those events. When it returns, the subscription is in place: every event
// from then on arrives, in order, until the stream ends. Close the stream
// (or cancel ctx) to end it.
func (c *Client) Subscribe(ctx context.Context, names ...string) (*EventStream, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("rpcclient: %w", err)
	}
	u = u.JoinPath(EventsPath)
	if len(names) > 0 {
		u.RawQuery = url.Values{"events": {strings.Join(names, ",")}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("rpcclient: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.SetBasicAuth(c.User, c.Password)
	// The client's timeout bounds a whole exchange; a stream is open-ended.
	httpc := &http.Client{}
	if c.HTTP != nil {
		httpc.Transport = c.HTTP.Transport
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		resp.Body.Close()
		return nil, ErrUnauthorized
	case resp.StatusCode == http.StatusOK && strings.HasPrefix(ct, "text/event-stream"):
		return &EventStream{body: resp.Body, dec: NewSSEDecoder(resp.Body)}, nil
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusMethodNotAllowed,
		resp.StatusCode == http.StatusOK:
		resp.Body.Close()
		return nil, fmt.Errorf("%w (HTTP %d at %s)", ErrEventsUnsupported, resp.StatusCode, u.Redacted())
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	return nil, fmt.Errorf("rpcclient: events: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
}

// Next returns the next event. It returns io.EOF when the node ended the
// stream (it is stopping) and ErrDropped when the node dropped this slow
// subscriber.
func (s *EventStream) Next() (Event, error) {
	e, err := s.dec.Next()
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Event{}, io.EOF
		}
		return Event{}, err
	}
	if e.Name == "dropped" {
		return e, ErrDropped
	}
	return e, nil
}

// Close ends the subscription.
func (s *EventStream) Close() error { return s.body.Close() }

// maxEventBytes bounds one event (all its lines): the node's are a few
// hundred bytes.
const maxEventBytes = 1 << 20

// SSEDecoder reads Server-Sent Events (the WHATWG event-stream format):
// "field: value" lines, events ended by a blank line, comments starting
// with ':'. It keeps the fields this client needs (event, data, id) and
// skips the others.
type SSEDecoder struct {
	r      *bufio.Reader
	lastID string // the format's "last event ID": it carries over to later events
}

// NewSSEDecoder returns a decoder reading r.
func NewSSEDecoder(r io.Reader) *SSEDecoder {
	return &SSEDecoder{r: bufio.NewReader(r)}
}

// Next returns the next event that has data. An event without a name is
// a "message", as the format says. At the end of the input it returns
// io.EOF, or io.ErrUnexpectedEOF inside an event.
func (d *SSEDecoder) Next() (Event, error) {
	var (
		e       = Event{ID: d.lastID}
		data    []byte
		hasData bool
		size    int
		started bool
	)
	for {
		line, err := d.readLine(&size)
		if err != nil {
			if err == io.EOF && started {
				return Event{}, io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		if len(line) == 0 { // dispatch
			if hasData {
				if e.Name == "" {
					e.Name = "message"
				}
				e.Data = data
				return e, nil
			}
			e, data, size, started = Event{ID: e.ID}, nil, 0, false
			continue
		}
		started = true
		if line[0] == ':' {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			e.Name = value
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				e.ID, d.lastID = value, value
			}
		}
	}
}

// readLine reads one line without its end (LF or CRLF), adding
// its length to size and failing once size passes maxEventBytes.
func (d *SSEDecoder) readLine(size *int) (string, error) {
	var buf []byte
	for {
		chunk, isPrefix, err := d.r.ReadLine()
		if err != nil {
			if len(buf) > 0 && err == io.EOF {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		*size += len(chunk)
		if *size > maxEventBytes {
			return "", fmt.Errorf("rpcclient: event larger than %d bytes", maxEventBytes)
		}
		buf = append(buf, chunk...)
		if !isPrefix {
			return string(buf), nil
		}
	}
}
