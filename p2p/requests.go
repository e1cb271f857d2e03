package p2p

import (
	"bufio"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/protocol"
)

// The driver's half of the protocol: it gives the core the time, carries
// out the core's actions, runs the core's requests over streams and hands
// it the answers, and answers peers' requests with what the core says.

// deadlineSlack: a stream's own deadline comes this long after the core's
// deadline for the request, so the core judges a stall first; the stream
// deadline only frees the goroutine.
const deadlineSlack = 2 * time.Second

// streamTimeout is a request's stream deadline.
func streamTimeout(m protocol.Message) time.Duration {
	switch m.(type) {
	case protocol.GetStatus:
		return protocol.StatusTimeout + deadlineSlack
	case protocol.GetHeaders:
		return protocol.HeadersTimeout + deadlineSlack
	}
	return protocol.BlocksTimeout + deadlineSlack
}

// tick gives the core the time every TickInterval.
func (n *Host) tick(ctx context.Context) {
	t := time.NewTicker(n.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.step(protocol.Tick{})
		}
	}
}

// step feeds the core an event and carries out its actions.
func (n *Host) step(ev protocol.Event) {
	if n.ctx.Err() != nil {
		return
	}
	n.execute(n.cfg.Protocol.Step(ev))
	n.drain()
}

// drain steps the core while it is busy, one step at a time so that
// others get the node's lock in between.
func (n *Host) drain() {
	for n.ctx.Err() == nil && n.cfg.Protocol.Busy() {
		n.execute(n.cfg.Protocol.Step(protocol.Tick{}))
	}
}

// Execute carries out actions the core decided outside a step of this
// driver (a block or transaction of local origin).
func (n *Host) Execute(acts []protocol.Action) { n.execute(acts) }

func (n *Host) execute(acts []protocol.Action) {
	for _, a := range acts {
		switch a := a.(type) {
		case protocol.Send:
			n.sendRequest(fromCore(a.To), a.Msg)
		case protocol.Publish:
			if a.From == "" {
				n.publishMessage(a.Msg)
			}
			// A relay of a peer's message is the validator's Accept.
		case protocol.Disconnect:
			_ = n.host.Network().ClosePeer(fromCore(a.Peer))
		case protocol.Ban:
			n.gater.banUntil(fromCore(a.Peer), a.Until)
			_ = n.host.Network().ClosePeer(fromCore(a.Peer))
		}
	}
}

// publishMessage gossips a block or transaction of local origin. With no
// peer connected there is nobody to tell: a peer that connects later
// syncs (status handshake), so the gossip is skipped.
func (n *Host) publishMessage(m protocol.Message) {
	var err error
	switch m := m.(type) {
	case protocol.NewBlock:
		if n.ConnectionCount() == 0 {
			return
		}
		err = n.PublishBlock(m.Block.Serialize())
	case protocol.NewTx:
		err = n.PublishTx(m.Tx.Serialize())
	}
	if err != nil {
		n.log.Warn("publish_failed", "kind", m.Kind(), "err", err)
	}
}

// sendRequest runs one of the core's requests on a new stream and steps
// the core with the answer, or with the failure. Answers to peers' requests
// are written by serveSync, which asked the core for them.
func (n *Host) sendRequest(p peer.ID, m protocol.Message) {
	var id protocol.RequestID
	switch m := m.(type) {
	case protocol.GetStatus:
		id = m.ID
	case protocol.GetHeaders:
		id = m.ID
	case protocol.GetBlocks:
		id = m.ID
	default:
		return
	}
	n.goRun(func(ctx context.Context) {
		ans, err := n.request(ctx, p, m)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			n.log.Debug("request_failed", "peer", p, "kind", m.Kind(), "err", err)
			n.step(protocol.RequestFailed{Peer: toCore(p), ID: id, Reason: err.Error(),
				Malformed: isMalformed(err), Timeout: isTimeout(err)})
			return
		}
		n.step(protocol.Received{From: toCore(p), Msg: ans})
	})
}

// request runs one request on a new stream to p and reads its answer.
func (n *Host) request(ctx context.Context, p peer.ID, m protocol.Message) (protocol.Message, error) {
	req, err := protocol.EncodeRequest(m)
	if err != nil {
		return nil, err
	}
	timeout := streamTimeout(m)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := n.host.NewStream(network.WithNoDial(ctx, "sync"), p, n.syncID)
	if err != nil {
		return nil, fmt.Errorf("p2p: open sync stream to %s: %w", p, err)
	}
	_ = s.SetDeadline(time.Now().Add(timeout))
	if err := writeFrame(s, req); err != nil {
		s.Reset()
		return nil, fmt.Errorf("p2p: send request to %s: %w", p, err)
	}
	_ = s.CloseWrite()
	ans, err := n.readAnswer(bufio.NewReader(s), m)
	if err != nil {
		s.Reset()
		return nil, err
	}
	return ans, s.Close()
}

// readAnswer reads the answer to request m.
func (n *Host) readAnswer(r *bufio.Reader, m protocol.Message) (protocol.Message, error) {
	switch m := m.(type) {
	case protocol.GetStatus:
		frame, err := readFrame(r, protocol.MaxStatusBytes)
		if err != nil {
			return nil, err
		}
		st, err := protocol.DecodeStatus(frame)
		st.ID = m.ID
		return st, err
	case protocol.GetHeaders:
		frame, err := readFrame(r, protocol.MaxHeadersPerMsg*chain.HeaderSize)
		if err != nil {
			return nil, err
		}
		hs, err := protocol.DecodeHeaders(frame)
		return protocol.Headers{ID: m.ID, Headers: hs}, err
	case protocol.GetBlocks:
		ans := protocol.Blocks{ID: m.ID}
		for _, want := range m.Hashes {
			frame, err := readFrame(r, int(n.cfg.Params.MaxBlockBytes))
			if err != nil {
				return nil, err
			}
			if len(frame) == 0 {
				break
			}
			b, err := chain.DecodeBlock(frame)
			if err != nil {
				return nil, fmt.Errorf("%w: block %s: %v", ErrBadMessage, want, err)
			}
			ans.Blocks = append(ans.Blocks, b)
		}
		return ans, nil
	}
	return nil, fmt.Errorf("p2p: %s is not a request", m.Kind())
}

// serveID numbers the requests of peers: the core copies the number into
// its answer, which is how serveSync finds it among the actions.
var serveID atomic.Uint64

// serveSync answers one request of a peer with the core's answer.
func (n *Host) serveSync(s network.Stream) {
	from := s.Conn().RemotePeer()
	_ = s.SetDeadline(time.Now().Add(protocol.BlocksTimeout))
	req, err := readFrame(bufio.NewReader(s), protocol.MaxRequestBytes)
	var m protocol.Message
	if err == nil {
		m, err = protocol.DecodeRequest(req)
	}
	if err != nil {
		if isMalformed(err) {
			n.step(protocol.Misbehaved{Peer: toCore(from), Points: protocol.PointsBadRequest, Reason: err.Error()})
		}
		s.Reset()
		return
	}
	id := protocol.RequestID(serveID.Add(1))
	switch r := m.(type) {
	case protocol.GetStatus:
		r.ID = id
		m = r
	case protocol.GetHeaders:
		r.ID = id
		m = r
	case protocol.GetBlocks:
		r.ID = id
		m = r
	}
	n.peers.ensure(from)
	acts := n.cfg.Protocol.Step(protocol.Received{From: toCore(from), Msg: m})
	var answer protocol.Message
	rest := acts[:0:0]
	for _, a := range acts {
		if send, ok := a.(protocol.Send); ok && send.To == toCore(from) && answerID(send.Msg) == id {
			answer = send.Msg
			continue
		}
		rest = append(rest, a)
	}
	n.execute(rest)
	if answer == nil || n.writeAnswer(s, m, answer) != nil {
		s.Reset()
	} else {
		s.Close()
	}
	n.drain()
}

func answerID(m protocol.Message) protocol.RequestID {
	switch m := m.(type) {
	case protocol.Status:
		return m.ID
	case protocol.Headers:
		return m.ID
	case protocol.Blocks:
		return m.ID
	}
	return 0
}

// writeAnswer writes the core's answer in the wire format.
func (n *Host) writeAnswer(s network.Stream, req, answer protocol.Message) error {
	w := bufio.NewWriter(s)
	switch a := answer.(type) {
	case protocol.Status:
		if err := writeFrame(w, protocol.EncodeStatus(a)); err != nil {
			return err
		}
	case protocol.Headers:
		if err := writeFrame(w, protocol.EncodeHeaders(a.Headers)); err != nil {
			return err
		}
	case protocol.Blocks:
		for _, b := range a.Blocks {
			if err := writeFrame(w, b.Serialize()); err != nil {
				return err
			}
		}
		if asked := req.(protocol.GetBlocks).Hashes; len(a.Blocks) < len(asked) {
			if err := writeFrame(w, nil); err != nil { // the first block this node lacks
				return err
			}
		}
	}
	return w.Flush()
}
