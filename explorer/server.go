package explorer

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

//go:embed web
var webFiles embed.FS

// NodeConfig is a node the explorer follows.
type NodeConfig struct {
	// Name is how the page calls the node ("node1"); its tip is marked
	// data-tip-of="<Name>".
	Name string
	// Client reaches the node's RPC (its URL also serves GET /events).
	Client *rpcclient.Client
	// P2PAddr is the node's peer address (/ip4/.../p2p/<id>), dialled by
	// the others when the node is healed.
	P2PAddr string
	// MinerAddress receives the blocks the playground mines on this node
	// ("": Config.MinerAddress). Give each node its own: two nodes mining
	// on one parent in the same second to one address build the very same
	// block, and a partition would show no fork.
	MinerAddress string
}

// Config is an explorer.
type Config struct {
	// Addr is the listen address, loopback only ("127.0.0.1:0" for a free
	// port).
	Addr  string
	Nodes []NodeConfig
	// WalletPath is the devnet wallet the playground sends from ("" turns
	// sending off); FriendAddress the default payee.
	WalletPath    string
	FriendAddress string
	// MinerAddress receives the blocks the playground mines on a node
	// without its own.
	MinerAddress string
	Log          *slog.Logger
}

// Server is a running explorer.
type Server struct {
	cfg   Config
	log   *slog.Logger
	model *model

	watchers []*watcher

	ln     net.Listener
	http   *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	invalidByUs map[string]map[string]bool // node -> blocks the playground invalidated on it
	walletMu    sync.Mutex                 // one send at a time: the wallet file is rewritten
}

// CheckLoopback refuses an explorer address beyond loopback: the page's
// controls mine, partition and spend the devnet wallet without a password.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("explorer: address %q: want HOST:PORT: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("explorer: address %q is not loopback; the page's controls spend the devnet wallet without a password (use an SSH tunnel to reach it from elsewhere)", addr)
}

// Start listens on cfg.Addr, follows every node's events and serves the
// page. Close stops it.
func Start(cfg Config) (*Server, error) {
	if err := CheckLoopback(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("explorer: listen on %s: %w", cfg.Addr, err)
	}
	nodes := make([]NodeState, len(cfg.Nodes))
	for i, n := range cfg.Nodes {
		nodes[i] = NodeState{Name: n.Name, RPC: n.Client.URL, P2PAddr: n.P2PAddr, NetworkActive: true, Peers: []string{}, Tips: []ChainTip{}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:         cfg,
		log:         cfg.Log,
		model:       newModel(nodes),
		ln:          ln,
		cancel:      cancel,
		invalidByUs: map[string]map[string]bool{},
	}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	for i, n := range cfg.Nodes {
		w := newWatcher(s, i, n)
		s.watchers = append(s.watchers, w)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			w.run(ctx)
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("explorer_stopped", "err", err)
		}
	}()
	return s, nil
}

// URL is the page's address.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Close stops the server and the node subscriptions.
func (s *Server) Close() error {
	s.cancel()
	s.model.closeAll()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.wg.Wait()
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFiles, "web")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/stream", s.serveStream)
	mux.HandleFunc("GET /api/state", s.serveState)
	mux.HandleFunc("GET /api/block", s.serveBlock)
	mux.HandleFunc("GET /api/tx", s.serveTx)
	mux.HandleFunc("GET /api/lab", s.serveLab)
	mux.HandleFunc("POST /api/mine", s.action(s.mine))
	mux.HandleFunc("POST /api/cut", s.action(s.cut))
	mux.HandleFunc("POST /api/heal", s.action(s.heal))
	mux.HandleFunc("POST /api/invalidate", s.action(s.invalidate))
	mux.HandleFunc("POST /api/reconsider", s.action(s.reconsider))
	mux.HandleFunc("POST /api/send", s.action(s.send))
	return guardHost(mux)
}

// guardHost answers only requests addressed to a loopback host name, so
// that a web page elsewhere cannot reach the controls by DNS rebinding.
func guardHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "explorer: loopback host names only", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveStream sends the model, then its changes, as Server-Sent Events.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	out, err := newSSEWriter(w)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ch := s.model.subscribe()
	defer s.model.unsubscribe(ch)
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			if out.send(msg.event, msg.data) != nil {
				return
			}
		case <-keepAlive.C:
			if out.comment("keep-alive") != nil {
				return
			}
		}
	}
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.model.snapshot())
}

// watcherMark asks node i's watcher to read part of its state again.
func (s *Server) watcherMark(i int, flags uint32) { s.watchers[i].markDirty(flags) }

func (s *Server) invalidated(node string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for h := range s.invalidByUs[node] {
		out[h] = true
	}
	return out
}

func (s *Server) nodeIndex(name string) (int, error) {
	for i, n := range s.cfg.Nodes {
		if n.Name == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("explorer: no node %q", name)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(mustJSON(v))
}
