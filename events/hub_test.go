package events

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func names(msgs []Message) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Name+" "+string(m.Data))
	}
	return strings.Join(out, "\n")
}

func drain(sub *Subscription) []Message {
	var out []Message
	for {
		select {
		case m, open := <-sub.C:
			if !open {
				return out
			}
			out = append(out, m)
		default:
			return out
		}
	}
}

// TestHubOrderAndFilter: every subscriber sees the events in publication
// order with growing ids; a filtered one sees only the names it asked for.
func TestHubOrderAndFilter(t *testing.T) {
	h := NewHub()
	all, _ := h.Subscribe(16)
	tips, _ := h.Subscribe(16, TipChanged)
	h.Publish(Event{BlockDisconnected, Block{Hash: "b2", Height: 2}}, Event{BlockConnected, Block{Hash: "c2", Height: 2}},
		Event{TipChanged, Tip{Hash: "c2", Height: 2, ReorgDepth: 1}})
	h.Publish(Event{TxAccepted, Tx{TxID: "t", Fee: "0.001"}})
	got := drain(all)
	want := `block_disconnected {"hash":"b2","height":2,"previousblockhash":"","time":0,"ntx":0}
block_connected {"hash":"c2","height":2,"previousblockhash":"","time":0,"ntx":0}
tip_changed {"hash":"c2","height":2,"reorg_depth":1,"connected":0,"previoustip":""}
tx_accepted {"txid":"t","size":0,"fee":0.001,"height":0}`
	if names(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", names(got), want)
	}
	for i, m := range got {
		if m.Seq != uint64(i+1) {
			t.Fatalf("event %d has id %d", i, m.Seq)
		}
	}
	if got := names(drain(tips)); got != `tip_changed {"hash":"c2","height":2,"reorg_depth":1,"connected":0,"previoustip":""}` {
		t.Fatalf("filtered: %s", got)
	}
}

// TestHubDropsSlowSubscriber: publishing never waits; a subscriber without
// room for a whole batch is dropped (its channel closes after what it
// already had), and the others go on.
func TestHubDropsSlowSubscriber(t *testing.T) {
	h := NewHub()
	slow, _ := h.Subscribe(2)
	fast, _ := h.Subscribe(8)
	h.Publish(Event{Name: BlockConnected, Data: 1})
	h.Publish(Event{Name: BlockConnected, Data: 2}, Event{Name: TipChanged, Data: 2}) // 3 > 2: slow is dropped
	if !slow.Lagged() {
		t.Fatal("slow subscriber not dropped")
	}
	if got := names(drain(slow)); got != "block_connected 1" {
		t.Fatalf("slow kept %q", got)
	}
	if _, open := <-slow.C; open {
		t.Fatal("dropped subscription still open")
	}
	if got := len(drain(fast)); got != 3 {
		t.Fatalf("fast got %d events", got)
	}
	if h.Subscribers() != 1 {
		t.Fatalf("%d subscribers, want 1", h.Subscribers())
	}
}

// TestHubClose: Close ends every subscription (not as lagging) and refuses
// new ones.
func TestHubClose(t *testing.T) {
	h := NewHub()
	sub, _ := h.Subscribe(1)
	h.Close()
	if _, open := <-sub.C; open || sub.Lagged() {
		t.Fatal("subscription survived Close")
	}
	if _, ok := h.Subscribe(1); ok {
		t.Fatal("closed hub accepted a subscriber")
	}
	h.Publish(Event{Name: TipChanged}) // no panic on a closed hub
}

// TestHubSubscriberLimit: subscribers beyond MaxSubscribers are refused.
func TestHubSubscriberLimit(t *testing.T) {
	h := NewHub()
	for range MaxSubscribers {
		if _, ok := h.Subscribe(1); !ok {
			t.Fatal("refused below the limit")
		}
	}
	if _, ok := h.Subscribe(1); ok {
		t.Fatal("accepted beyond the limit")
	}
}

// TestServeSSEDropped: a stream whose subscriber fell behind ends with a
// final dropped event.
func TestServeSSEDropped(t *testing.T) {
	h := NewHub()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/events?events=tip_changed")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, _ := r.ReadString('\n'); line != ": subscribed\n" {
		t.Fatalf("first line %q", line)
	}
	// The handler reads at most one event between two Publish calls here;
	// one batch larger than the buffer overflows it however fast it reads.
	big := make([]Event, DefaultBuffer+1)
	for i := range big {
		big[i] = Event{Name: TipChanged, Data: i}
	}
	h.Publish(big...)
	var rest strings.Builder
	for {
		line, err := r.ReadString('\n')
		rest.WriteString(line)
		if err != nil {
			break
		}
	}
	if !strings.Contains(rest.String(), "event: dropped\ndata: {\"reason\"") {
		t.Fatalf("stream ended without dropped: %q", rest.String())
	}
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
}

// TestHubConcurrent: publishers and subscribers on many goroutines (run
// under -race by .ci/run); each subscriber sees ids in increasing order,
// and the events of one Publish call side by side.
func TestHubConcurrent(t *testing.T) {
	h := NewHub()
	const publishers, batches = 4, 200
	var subs []*Subscription
	for range 3 {
		sub, _ := h.Subscribe(publishers * batches * 2)
		subs = append(subs, sub)
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				h.Publish(Event{BlockConnected, p*batches + i}, Event{TipChanged, p*batches + i})
			}
		}()
	}
	wg.Wait()
	h.Close()
	for _, sub := range subs {
		var last uint64
		var got []Message
		for m := range sub.C {
			if m.Seq <= last {
				t.Fatalf("id %d after %d", m.Seq, last)
			}
			last = m.Seq
			got = append(got, m)
		}
		if len(got) != publishers*batches*2 {
			t.Fatalf("got %d events", len(got))
		}
		for i := 0; i < len(got); i += 2 {
			if got[i].Name != BlockConnected || got[i+1].Name != TipChanged || string(got[i].Data) != string(got[i+1].Data) {
				t.Fatalf("batch split at %d: %s %s / %s %s", i, got[i].Name, got[i].Data, got[i+1].Name, got[i+1].Data)
			}
		}
	}
}

// BenchmarkPublishBlock: what a connected block costs the node's chain
// lock with 3 subscribers (block_connected and tip_changed, encoded once).
func BenchmarkPublishBlock(b *testing.B) {
	h := NewHub()
	var subs []*Subscription
	for range 3 {
		sub, _ := h.Subscribe(DefaultBuffer)
		subs = append(subs, sub)
	}
	blk := Block{Hash: strings.Repeat("ab", 32), Height: 1000, PreviousBlockHash: strings.Repeat("cd", 32), Time: 1796016400, NTx: 12}
	tip := Tip{Hash: blk.Hash, Height: 1000, Connected: 1, PreviousTip: blk.PreviousBlockHash}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Publish(Event{BlockConnected, blk}, Event{TipChanged, tip})
		if i%1000 == 999 {
			for _, s := range subs {
				drain(s)
			}
		}
	}
}

// TestHubNumbersUnheardEvents: events published while nobody listens are
// not built (PublishFunc) nor encoded, but keep their ids, so a later
// subscriber's ids go on counting every event the node published.
func TestHubNumbersUnheardEvents(t *testing.T) {
	h := NewHub()
	h.Publish(Event{BlockConnected, Block{Hash: "a"}}, Event{TipChanged, Tip{Hash: "a"}})
	h.PublishFunc(3, func() []Event {
		t.Fatal("events built with nobody listening")
		return nil
	})
	sub, _ := h.Subscribe(4)
	h.PublishFunc(1, func() []Event { return []Event{{TxAccepted, Tx{TxID: "t"}}} })
	got := drain(sub)
	if len(got) != 1 || got[0].Seq != 6 || got[0].Name != TxAccepted {
		t.Fatalf("got %+v, want the tx_accepted event with id 6", got)
	}
}
