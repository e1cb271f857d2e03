package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/protocol"
)

// Gossip queue sizes: pubsub drops silently when a queue is full, so they
// are far above the defaults of 32.
const (
	gossipQueueSize  = 4096
	gossipSlack      = 64 << 10 // RPC framing around the largest block
	minGossipMsgSize = 1 << 20
)

// TopicName names a chain's gossip topic ("blocks" or "txs") after its
// chain id and genesis, so devnets that share a chain id but not a genesis
// never mix.
func TopicName(p *consensus.Params, kind string) string {
	return fmt.Sprintf("/devchain/%s/%s/%s", p.ChainID, shortHash(p.GenesisHash), kind)
}

func (n *Host) topicName(kind string) string { return TopicName(n.cfg.Params, kind) }

// MessageID is the gossip message id: the SHA-256 of the content, so the
// same block or transaction relayed by many peers is one message.
func MessageID(m *pb.Message) string { return contentID(m) }

// maxMessageSize fits the largest valid block; every node of a chain
// computes the same value from the same genesis.
func (n *Host) maxMessageSize() int {
	size := int(n.cfg.Params.MaxBlockBytes) + gossipSlack
	return max(size, minGossipMsgSize)
}

func contentID(m *pb.Message) string {
	sum := sha256.Sum256(m.Data)
	return string(sum[:])
}

func (n *Host) startGossip() error {
	ps, err := pubsub.NewGossipSub(n.ctx, n.host,
		pubsub.WithMessageIdFn(contentID),
		pubsub.WithNoAuthor(),
		pubsub.WithFloodPublish(true),
		pubsub.WithMaxMessageSize(n.maxMessageSize()),
		pubsub.WithValidateQueueSize(gossipQueueSize),
		pubsub.WithPeerOutboundQueueSize(gossipQueueSize),
	)
	if err != nil {
		return fmt.Errorf("p2p: start gossipsub: %w", err)
	}
	n.ps = ps
	if n.blocks, err = n.join("blocks", n.validateBlock); err != nil {
		return err
	}
	n.txs, err = n.join("txs", n.validateTx)
	return err
}

// join registers the topic's validator, joins and subscribes to it. The
// validators do the work; the subscription only keeps the node in the mesh.
func (n *Host) join(kind string, validate pubsub.ValidatorEx) (*pubsub.Topic, error) {
	name := n.topicName(kind)
	if err := n.ps.RegisterTopicValidator(name, validate); err != nil {
		return nil, fmt.Errorf("p2p: validator for %s: %w", name, err)
	}
	topic, err := n.ps.Join(name)
	if err != nil {
		return nil, fmt.Errorf("p2p: join %s: %w", name, err)
	}
	sub, err := topic.Subscribe(pubsub.WithBufferSize(gossipQueueSize))
	if err != nil {
		return nil, fmt.Errorf("p2p: subscribe %s: %w", name, err)
	}
	n.subs = append(n.subs, sub)
	n.goRun(func(ctx context.Context) {
		for {
			if _, err := sub.Next(ctx); err != nil {
				return
			}
		}
	})
	return topic, nil
}

// validateBlock hands a gossiped block to the core: pubsub relays it only
// when the core relays it (Publish from this peer), and rejects it (which
// counts against the peer in GossipSub's own scoring too) when the core
// penalised the sender.
func (n *Host) validateBlock(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if from == n.host.ID() {
		return pubsub.ValidationAccept
	}
	b, err := chain.DecodeBlock(msg.Data)
	if err != nil {
		n.step(protocol.Misbehaved{Peer: toCore(from), Points: protocol.PointsUndecodable, Reason: "undecodable block: " + err.Error()})
		return pubsub.ValidationReject
	}
	return n.validate(from, protocol.NewBlock{Block: b})
}

// validateTx hands a gossiped transaction to the core, as validateBlock.
func (n *Host) validateTx(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if from == n.host.ID() {
		return pubsub.ValidationAccept
	}
	tx, err := chain.DecodeTransaction(msg.Data)
	if err != nil {
		n.step(protocol.Misbehaved{Peer: toCore(from), Points: protocol.PointsUndecodable, Reason: "undecodable transaction: " + err.Error()})
		return pubsub.ValidationReject
	}
	return n.validate(from, protocol.NewTx{Tx: tx})
}

// validate steps the core with a gossiped message and reads its verdict
// from the actions: relayed, penalised, or neither (ignored).
func (n *Host) validate(from peer.ID, m protocol.Message) pubsub.ValidationResult {
	n.peers.ensure(from)
	acts := n.cfg.Protocol.Step(protocol.Received{From: toCore(from), Msg: m})
	verdict := pubsub.ValidationIgnore
	rest := acts[:0:0]
	for _, a := range acts {
		switch a := a.(type) {
		case protocol.Publish:
			if a.From == toCore(from) && verdict == pubsub.ValidationIgnore {
				verdict = pubsub.ValidationAccept // gossipsub relays it
				continue
			}
		case protocol.Penalised:
			if a.Peer == toCore(from) {
				verdict = pubsub.ValidationReject
			}
		}
		rest = append(rest, a)
	}
	n.execute(rest)
	n.drain()
	return verdict
}

// ErrNetworkInactive is returned by operations refused while the network is
// turned off.
var ErrNetworkInactive = errors.New("p2p: network is not active")

// PublishBlock gossips a block this node produced or was given.
func (n *Host) PublishBlock(data []byte) error { return n.publish(n.blocks, data) }

// TxTopicPeers returns how many peers are known on the transaction topic:
// what is published now reaches them.
func (n *Host) TxTopicPeers() int { return len(n.txs.ListPeers()) }

// PublishTx gossips a transaction this node accepted from its user.
func (n *Host) PublishTx(data []byte) error { return n.publish(n.txs, data) }

func (n *Host) publish(topic *pubsub.Topic, data []byte) error {
	if !n.gater.isActive() {
		return nil // nobody to tell; peers sync when the network is back
	}
	if err := topic.Publish(n.ctx, data); err != nil {
		return fmt.Errorf("p2p: publish on %s: %w", topic.String(), err)
	}
	return nil
}
