package node

import "fmt"

// abort shuts the node down after a store failure, as Bitcoin Core's
// AbortNode: the engine has halted (it changes the chain no more, see
// consensus.ErrHalted) and the node asks its owner to stop, which then
// reports Err. The next start reads the store as it is on disk.
func (n *Node) abort(cause error) {
	n.abortOnce.Do(func() {
		err := fmt.Errorf("node: store failure, the chain is no longer changed and the node stops: %w", cause)
		n.abortErr.Store(&err)
		n.log.Error("node_aborting", "err", cause)
		n.RequestStop()
	})
}

// Err returns why the node stopped on its own (a store failure), or nil.
func (n *Node) Err() error {
	if p := n.abortErr.Load(); p != nil {
		return *p
	}
	return nil
}
