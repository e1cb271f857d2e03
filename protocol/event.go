package protocol

// Event is one of the inputs of Step below.
type Event interface{ isEvent() }

type (
	// PeerConnected: a connection to a peer is up.
	PeerConnected struct {
		Peer    PeerID
		Inbound bool
		Addr    string // for PeerInfo only
	}
	// PeerDisconnected: the last connection to a peer is gone.
	PeerDisconnected struct{ Peer PeerID }
	// Received: a message arrived from a peer (gossip, a request, or the
	// answer to one of the core's requests).
	Received struct {
		From PeerID
		Msg  Message
	}
	// RequestFailed: the driver could not get an answer to a request the
	// core sent: the stream broke, the answer did not decode (Malformed:
	// the peer's fault), or the transport's own deadline passed (Timeout:
	// judged as a stall, as when the core's deadline passes first).
	RequestFailed struct {
		Peer      PeerID
		ID        RequestID
		Malformed bool
		Timeout   bool
		Reason    string
	}
	// Misbehaved: the driver caught a peer abusing the transport (an
	// undecodable message, a flood of requests).
	Misbehaved struct {
		Peer   PeerID
		Points int
		Reason string
	}
	// Tick: time passed. Deadlines and status polls are judged on ticks
	// (and on every other event, which also carries the time).
	Tick struct{}
)

func (PeerConnected) isEvent()    {}
func (PeerDisconnected) isEvent() {}
func (Received) isEvent()         {}
func (RequestFailed) isEvent()    {}
func (Misbehaved) isEvent()       {}
func (Tick) isEvent()             {}
