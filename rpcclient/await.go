package rpcclient

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// NodeIdentity is what getnetworkinfo tells a caller that started a node:
// its peer id and the multiaddrs (ending in /p2p/<id>) peers dial.
type NodeIdentity struct {
	PeerID       string   `json:"peerid"`
	P2PAddresses []string `json:"p2paddresses"`
}

// ErrNodeExited is returned by AwaitNode when the node's process ended
// before it answered.
var ErrNodeExited = errors.New("rpcclient: node exited before answering")

// Polling of AwaitNode.
const (
	awaitInterval    = 20 * time.Millisecond
	awaitCallTimeout = 5 * time.Second
)

// AwaitNode waits for the node starting on datadir to answer: it polls the
// URL and cookie files the node writes at start, then getnetworkinfo, until
// the node answers with its listen addresses, exited is closed (the
// process ended; nil for none) or ctx ends. It returns a client of the node
// and the node's identity.
func AwaitNode(ctx context.Context, datadir string, exited <-chan struct{}) (*Client, *NodeIdentity, error) {
	var last error
	for {
		c, err := FromDatadir(datadir)
		if err == nil {
			var id NodeIdentity
			callCtx, cancel := context.WithTimeout(ctx, awaitCallTimeout)
			err = c.Call(callCtx, "getnetworkinfo", nil, &id)
			cancel()
			if err == nil && len(id.P2PAddresses) > 0 {
				return c, &id, nil
			}
			if err == nil {
				err = errors.New("rpcclient: node has no listen address yet")
			}
		}
		last = err
		select {
		case <-exited:
			return nil, nil, ErrNodeExited
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("rpcclient: node in %s did not answer: %w (last: %v)", datadir, ctx.Err(), last)
		case <-time.After(awaitInterval):
		}
	}
}
