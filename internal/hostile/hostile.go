// Package hostile is a misbehaving peer for tests: a bare libp2p host that
// speaks the node's protocols (the gossip topics of p2p.TopicName with
// p2p.MessageID, and the sync stream protocol /devchain/<chain>/<genesis8>/sync/1
// framed as in p2p/wire.go) without any of the node's rules, so that a test
// can send malformed, oversized and invalid data, flood requests, and
// answer sync requests with lies. It implements the wire format on its own,
// from the protocol description, as a foreign client would.
package hostile

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/p2p"
)

// Request kinds of the sync protocol.
const (
	KindStatus     byte = 1
	KindGetHeaders byte = 2
	KindGetBlocks  byte = 3
)

// SyncProtocol is the sync stream protocol id of a chain.
func SyncProtocol(params *consensus.Params) protocol.ID {
	return protocol.ID(fmt.Sprintf("/devchain/%s/%s/sync/1", params.ChainID, params.GenesisHash.String()[:8]))
}

// Status is a status answer: genesis, tip, height and cumulative work.
type Status struct {
	Genesis, Tip chain.Hash
	Height       uint32
	Work         *big.Int
}

// EncodeStatus encodes a status answer's payload.
func EncodeStatus(s Status) []byte {
	b := append(append([]byte{}, s.Genesis[:]...), s.Tip[:]...)
	b = binary.LittleEndian.AppendUint32(b, s.Height)
	w := s.Work.Bytes()
	b = append(b, byte(len(w)))
	return append(b, w...)
}

// EncodeGetHeaders encodes a getheaders request (kind byte included).
func EncodeGetHeaders(locator []chain.Hash, max uint16) []byte {
	b := []byte{KindGetHeaders, byte(len(locator))}
	for _, h := range locator {
		b = append(b, h[:]...)
	}
	return binary.LittleEndian.AppendUint16(b, max)
}

// EncodeGetBlocks encodes a getblocks request (kind byte included).
func EncodeGetBlocks(hashes []chain.Hash) []byte {
	b := binary.LittleEndian.AppendUint16([]byte{KindGetBlocks}, uint16(len(hashes)))
	for _, h := range hashes {
		b = append(b, h[:]...)
	}
	return b
}

// WriteFrame writes a uvarint length and the payload.
func WriteFrame(w io.Writer, payload []byte) error {
	if _, err := w.Write(binary.AppendUvarint(nil, uint64(len(payload)))); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// ReadFrame reads one frame of at most max bytes.
func ReadFrame(r *bufio.Reader, max int) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("hostile: frame of %d bytes", n)
	}
	buf := make([]byte, n)
	_, err = io.ReadFull(r, buf)
	return buf, err
}

// Responder answers the sync requests the node makes of the hostile peer.
// Each function may be nil: the request is then answered with nothing (the
// stream is closed). Stall makes every answer wait until the stream's
// deadline, as a peer that accepts requests and never answers.
type Responder struct {
	Status  func() Status
	Headers func(locator []chain.Hash) []chain.BlockHeader
	// Blocks returns the frame payloads answering a getblocks request
	// (empty payloads mean "not known").
	Blocks func(hashes []chain.Hash) [][]byte
	Stall  bool
}

// Peer is a hostile libp2p peer.
type Peer struct {
	Host   host.Host
	PubSub *pubsub.PubSub
	Blocks *pubsub.Topic
	Txs    *pubsub.Topic
	params *consensus.Params
	proto  protocol.ID
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	responder Responder
	// Served counts the sync requests the node made of this peer, by kind.
	served [4]atomic.Int64
}

// New starts a hostile peer on a fresh identity, listening on loopback, on
// the chain's topics. Its gossip accepts messages up to 64 MiB, so that it
// can send oversized ones.
func New(params *consensus.Params) (*Peer, error) {
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.Ping(false),
	)
	if err != nil {
		return nil, fmt.Errorf("hostile: host: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Peer{Host: h, params: params, proto: SyncProtocol(params), ctx: ctx, cancel: cancel}
	p.PubSub, err = pubsub.NewGossipSub(ctx, h,
		pubsub.WithMessageIdFn(p2p.MessageID),
		pubsub.WithNoAuthor(),
		pubsub.WithFloodPublish(true),
		pubsub.WithMaxMessageSize(64<<20),
		pubsub.WithPeerOutboundQueueSize(1<<14),
		pubsub.WithValidateQueueSize(1<<14),
	)
	if err == nil {
		p.Blocks, err = p.PubSub.Join(p2p.TopicName(params, "blocks"))
	}
	if err == nil {
		p.Txs, err = p.PubSub.Join(p2p.TopicName(params, "txs"))
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("hostile: gossip: %w", err)
	}
	h.SetStreamHandler(p.proto, p.serve)
	return p, nil
}

// Close shuts the peer down.
func (p *Peer) Close() error {
	p.cancel()
	return p.Host.Close()
}

// ID returns the peer's id.
func (p *Peer) ID() peer.ID { return p.Host.ID() }

// Addr returns the peer's address, /p2p/<id> included.
func (p *Peer) Addr() string { return p.Host.Addrs()[0].String() + "/p2p/" + p.ID().String() }

// Connect dials a node by its peer address.
func (p *Peer) Connect(ctx context.Context, addr string) (peer.ID, error) {
	m, err := ma.NewMultiaddr(addr)
	if err != nil {
		return "", err
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return "", err
	}
	return info.ID, p.Host.Connect(ctx, *info)
}

// Connected reports whether the peer holds a connection to id.
func (p *Peer) Connected(id peer.ID) bool {
	return p.Host.Network().Connectedness(id) == network.Connected
}

// WaitTopicPeers waits until id is known on both gossip topics, so that
// what is published reaches it.
func (p *Peer) WaitTopicPeers(ctx context.Context, id peer.ID) error {
	for {
		blocks, txs := false, false
		for _, q := range p.Blocks.ListPeers() {
			blocks = blocks || q == id
		}
		for _, q := range p.Txs.ListPeers() {
			txs = txs || q == id
		}
		if blocks && txs {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hostile: %s never joined the topics: %w", id, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// SetResponder sets how the peer answers the node's sync requests.
func (p *Peer) SetResponder(r Responder) {
	p.mu.Lock()
	p.responder = r
	p.mu.Unlock()
}

// Served returns how many sync requests of a kind the node made of the peer.
func (p *Peer) Served(kind byte) int64 { return p.served[kind&3].Load() }

func (p *Peer) serve(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(s)
	req, err := ReadFrame(r, 1<<16)
	if err != nil || len(req) == 0 {
		s.Reset()
		return
	}
	p.served[req[0]&3].Add(1)
	p.mu.Lock()
	resp := p.responder
	p.mu.Unlock()
	if resp.Stall {
		// Hold the stream open, answering nothing, until the node gives up.
		_, _ = io.Copy(io.Discard, r)
		select {
		case <-p.ctx.Done():
		case <-time.After(time.Minute):
		}
		s.Reset()
		return
	}
	w := bufio.NewWriter(s)
	defer w.Flush()
	switch req[0] {
	case KindStatus:
		if resp.Status != nil {
			_ = WriteFrame(w, EncodeStatus(resp.Status()))
		}
	case KindGetHeaders:
		if resp.Headers != nil && len(req) > 2 {
			n := int(req[1])
			var locator []chain.Hash
			for i := 0; i < n && 2+(i+1)*chain.HashSize <= len(req); i++ {
				var h chain.Hash
				copy(h[:], req[2+i*chain.HashSize:])
				locator = append(locator, h)
			}
			var b []byte
			for _, h := range resp.Headers(locator) {
				b = append(b, h.Serialize()...)
			}
			_ = WriteFrame(w, b)
		}
	case KindGetBlocks:
		if resp.Blocks != nil && len(req) >= 3 {
			n := int(binary.LittleEndian.Uint16(req[1:]))
			var hashes []chain.Hash
			for i := 0; i < n && 3+(i+1)*chain.HashSize <= len(req); i++ {
				var h chain.Hash
				copy(h[:], req[3+i*chain.HashSize:])
				hashes = append(hashes, h)
			}
			for _, frame := range resp.Blocks(hashes) {
				_ = WriteFrame(w, frame)
			}
		}
	}
}

// ErrRefused is returned by Request when the node reset the stream or
// refused to open it.
var ErrRefused = errors.New("hostile: request refused")

// Request sends one raw request frame to the node and returns the answer's
// frames (up to maxFrames, each up to 64 MiB).
func (p *Peer) Request(ctx context.Context, to peer.ID, req []byte, maxFrames int) ([][]byte, error) {
	s, err := p.Host.NewStream(ctx, to, p.proto)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	defer s.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	if err := WriteFrame(s, req); err != nil {
		s.Reset()
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	_ = s.CloseWrite()
	r := bufio.NewReader(s)
	var frames [][]byte
	for len(frames) < maxFrames {
		f, err := ReadFrame(r, 64<<20)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(frames) == 0 {
				return nil, fmt.Errorf("%w: %v", ErrRefused, err)
			}
			break
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// RawStream opens a sync stream and writes raw bytes (no framing) on it,
// then closes it: for malformed requests.
func (p *Peer) RawStream(ctx context.Context, to peer.ID, raw []byte) error {
	s, err := p.Host.NewStream(ctx, to, p.proto)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Write(raw); err != nil {
		s.Reset()
		return err
	}
	_ = s.CloseWrite()
	_, _ = io.Copy(io.Discard, io.LimitReader(s, 1<<20))
	return nil
}

// Publish gossips raw bytes on the blocks or the txs topic.
func (p *Peer) Publish(ctx context.Context, topic *pubsub.Topic, data []byte) error {
	return topic.Publish(ctx, data)
}

// MineHeader searches a nonce for h meeting its own bits under powLimit
// (cheap at a devnet's pow limit).
func MineHeader(h *chain.BlockHeader, powLimit *big.Int) {
	for consensus.CheckProofOfWork(h, powLimit) != nil {
		h.Nonce++
	}
}

// BreakHeader changes the nonce until h fails its proof of work.
func BreakHeader(h *chain.BlockHeader, powLimit *big.Int) {
	for consensus.CheckProofOfWork(h, powLimit) == nil {
		h.Nonce++
	}
}

// HeaderChain builds n linked headers after parent with valid proof of work
// at the chain's pow limit, as a peer claiming a branch would send them.
func HeaderChain(params *consensus.Params, parent chain.Hash, parentTime uint32, n int, salt uint32) []chain.BlockHeader {
	out := make([]chain.BlockHeader, n)
	prev, ts := parent, parentTime
	for i := range out {
		ts++
		h := chain.BlockHeader{Version: 1, PrevBlock: prev, MerkleRoot: chain.Hash{byte(salt), byte(salt >> 8), byte(salt >> 16), byte(i)},
			Timestamp: ts, Bits: params.PowLimitBits, Nonce: salt}
		MineHeader(&h, params.PowLimit)
		out[i] = h
		prev = h.Hash()
	}
	return out
}

// OrphanBlock builds a block with valid proof of work and a valid Merkle
// root whose parent nobody knows: it passes every cheap check and must wait
// in the node's orphan pool. pad adds a payload to the coinbase so that the
// block is about that many bytes larger.
func OrphanBlock(params *consensus.Params, salt uint64, pad int) *chain.Block {
	var parent chain.Hash
	binary.LittleEndian.PutUint64(parent[:], salt)
	parent[31] = 0xee
	extra := make([]byte, 8+pad)
	binary.LittleEndian.PutUint64(extra, salt)
	cb := chain.NewCoinbase(uint32(salt%1000)+1, extra, chain.TxOut{Amount: 1, Address: chain.Address{1}})
	b := &chain.Block{
		Header: chain.BlockHeader{Version: 1, PrevBlock: parent, MerkleRoot: chain.MerkleRoot([]chain.Hash{cb.TxID()}),
			Timestamp: params.Genesis.Timestamp + 100, Bits: params.PowLimitBits},
		Transactions: []*chain.Transaction{cb},
	}
	MineHeader(&b.Header, params.PowLimit)
	return b
}

// OrphanTx builds a well-formed transaction spending an output nobody
// knows (its signature cannot be checked until the parent is seen).
func OrphanTx(salt uint64, outputs int) *chain.Transaction {
	var parent chain.Hash
	binary.LittleEndian.PutUint64(parent[:], salt)
	parent[31] = 0xdd
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: chain.OutPoint{TxID: parent}}}}
	for i := 0; i < max(outputs, 1); i++ {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: 1000, Address: chain.Address{byte(i)}})
	}
	tx.Inputs[0].PubKey[0] = 2
	return tx
}
