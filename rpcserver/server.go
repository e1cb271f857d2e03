package rpcserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/rpcclient"
)

// Server serves the JSON-RPC methods of one node over HTTP, with cookie
// authentication.
type Server struct {
	node     Node
	params   *consensus.Params
	log      *slog.Logger
	now      func() time.Time
	dataDir  string
	http     *http.Server
	url      string
	password string
	maxBody  int64
	methods  map[string]*methodSpec
	started  time.Time
	mux      *http.ServeMux
	// maxResponse is maxResponseBytes (tests lower it).
	maxResponse int
	peerIDs     peerNumbers
	done        chan struct{}
}

// Config configures a Server.
type Config struct {
	// Listener is where the server answers (the caller checked the
	// address: loopback unless allowed).
	Listener net.Listener
	// DataDir receives the cookie and URL files (rpcclient.CookieFile,
	// rpcclient.URLFile), removed by Close.
	DataDir string
	Node    Node
	Logger  *slog.Logger
	// Now is the clock of uptime; default time.Now.
	Now func() time.Time
}

// rpcMethod handles one method call.
type rpcMethod func(ctx context.Context, p *params) (any, error)

// rpcError is a JSON-RPC error with a Bitcoin Core code.
type rpcError = jsonrpc.Error

func errorf(code int, format string, args ...any) *rpcError {
	return jsonrpc.Errorf(code, format, args...)
}

// minRPCBody bounds a request body: a block in hex (two characters per
// byte) with room for the JSON around it.
const minRPCBody = 1 << 20

// Start serves cfg.Node on cfg.Listener, after writing a fresh cookie
// (mode 0600) and the URL into the datadir.
func Start(cfg Config) (*Server, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		cfg.Listener.Close()
		return nil, fmt.Errorf("rpcserver: cookie: %w", err)
	}
	s := New(cfg.Node, hex.EncodeToString(secret[:]), cfg.Logger, cfg.Now)
	s.dataDir = cfg.DataDir
	s.url = "http://" + cfg.Listener.Addr().String() + "/"
	if err := s.writeFiles(); err != nil {
		cfg.Listener.Close()
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute, // a body trickled forever does not hold a connection
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.http.Serve(cfg.Listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("rpc_stopped", "err", err)
		}
	}()
	return s, nil
}

// New returns the server of node as an http.Handler that accepts the
// cookie user with password, without listening or writing files (Start
// does both; package wallettest serves New's handler with httptest).
// logger and now may be nil.
func New(node Node, password string, logger *slog.Logger, now func() time.Time) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	params := node.Params()
	s := &Server{
		node:        node,
		params:      params,
		log:         logger,
		now:         now,
		password:    password,
		maxBody:     max(minRPCBody, 2*params.MaxBlockBytes+64<<10),
		started:     now(),
		maxResponse: maxResponseBytes,
		methods:     map[string]*methodSpec{},
	}
	for _, m := range s.methodSpecs() {
		s.methods[m.name] = m
	}
	// JSON-RPC answers at "/"; other handlers (events, for one) mount
	// beside it with Handle, behind the same cookie.
	s.mux = http.NewServeMux()
	s.mux.Handle("/", http.HandlerFunc(s.serveRPC))
	return s
}

// ServeHTTP implements http.Handler: JSON-RPC at "/", and the handlers
// mounted with Handle.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// URL is the server's address, http://HOST:PORT/.
func (s *Server) URL() string { return s.url }

// Handle mounts h at pattern (an http.ServeMux pattern such as
// "GET /events") on the RPC server, behind the cookie authentication.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
			http.Error(w, "unauthorized: use the cookie in the datadir", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// writeFiles writes the cookie (mode 0600) and the URL file into the
// datadir.
func (s *Server) writeFiles() error {
	dir := s.dataDir
	if err := writeFileAtomic(filepath.Join(dir, rpcclient.CookieFile), []byte(rpcclient.CookieUser+":"+s.password), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, rpcclient.URLFile), []byte(s.url+"\n"), 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("rpcserver: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("rpcserver: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rpcserver: write %s: %w", path, err)
	}
	return nil
}

// Close stops the server (requests in flight get 5 s to finish) and
// removes the cookie and URL files.
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	<-s.done
	dir := s.dataDir
	os.Remove(filepath.Join(dir, rpcclient.CookieFile))
	os.Remove(filepath.Join(dir, rpcclient.URLFile))
	return err
}

func (s *Server) authorized(r *http.Request) bool {
	user, password, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(rpcclient.CookieUser)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(password), []byte(s.password)) == 1
	return userOK && passOK
}

// Limits on what one HTTP request may cost (issue: a batch of 15,000
// `getblock <hash> 2` took RSS to 3.57 GB). Bitcoin Core has none of
// these; they bound one request's memory to about maxResponseBytes plus
// one call's result.
const (
	// maxBatch bounds the calls in one batch; a longer batch is refused
	// whole before any call runs.
	maxBatch = 1000
	// maxResponseBytes bounds the encoded reply of one HTTP request; the
	// calls of a batch that would overflow it are not run and answer an
	// error each.
	maxResponseBytes = 32 << 20
)

// serveRPC answers JSON-RPC requests.
func (s *Server) serveRPC(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		http.Error(w, "unauthorized: use the cookie in the datadir", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "JSON-RPC requires POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeReply(w, http.StatusRequestEntityTooLarge, jsonrpc.Response{Legacy: true,
				Error: errorf(jsonrpc.CodeInvalidRequest, "request larger than %d bytes", s.maxBody)})
			return
		}
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		s.serveBatch(w, r.Context(), trimmed)
		return
	}
	budget := s.maxResponse
	resp, notify := s.handle(r.Context(), trimmed, &budget)
	if notify {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeReply(w, resp.HTTPStatus(), resp)
}

// serveBatch answers a JSON array of calls, each in its own envelope, with
// HTTP 200. The array is read one element at a time so that an over-long
// batch is refused before it is held in memory.
func (s *Server) serveBatch(w http.ResponseWriter, ctx context.Context, body []byte) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.Token() // '['
	var items []json.RawMessage
	for dec.More() {
		if len(items) == maxBatch {
			writeReply(w, http.StatusBadRequest, jsonrpc.Response{Legacy: true,
				Error: errorf(jsonrpc.CodeInvalidRequest, "batch longer than %d requests: split it", maxBatch)})
			return
		}
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			writeReply(w, http.StatusInternalServerError, parseError())
			return
		}
		items = append(items, item)
	}
	if _, err := dec.Token(); err != nil { // ']'
		writeReply(w, http.StatusInternalServerError, parseError())
		return
	}
	if len(items) == 0 {
		writeReply(w, http.StatusOK, jsonrpc.Response{Error: errorf(jsonrpc.CodeInvalidRequest, "empty batch")})
		return
	}
	budget := s.maxResponse
	var out bytes.Buffer
	out.WriteByte('[')
	first := true
	for _, item := range items {
		resp, notify := s.handle(ctx, item, &budget)
		if notify {
			continue
		}
		data, err := json.Marshal(resp)
		if err != nil {
			data, _ = json.Marshal(jsonrpc.Response{Legacy: resp.Legacy, ID: resp.ID, Error: errorf(jsonrpc.CodeInternal, "encode response")})
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		out.Write(data)
	}
	out.WriteByte(']')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	out.WriteByte('\n')
	w.Write(out.Bytes())
}

// parseError is Core's reply to a body that is not JSON.
func parseError() jsonrpc.Response {
	return jsonrpc.Response{Legacy: true, Error: errorf(jsonrpc.CodeParse, "Parse error")}
}

// wireRequest is a request as sent: members are kept raw so that a
// mistyped one is an invalid request rather than a parse error.
type wireRequest struct {
	JSONRPC json.RawMessage `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// handle runs one request; notify is true for a JSON-RPC 2.0 notification
// (no id), which gets no reply. budget is what remains of the HTTP reply's
// size limit; a result that does not fit is replaced by an error.
func (s *Server) handle(ctx context.Context, body []byte, budget *int) (resp jsonrpc.Response, notify bool) {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		if json.Valid(t) {
			return jsonrpc.Response{Legacy: true, Error: errorf(jsonrpc.CodeInvalidRequest, "Invalid Request object")}, false
		}
		return parseError(), false
	}
	var req wireRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return parseError(), false
	}
	resp = jsonrpc.Response{Legacy: true, ID: req.ID}
	if len(req.JSONRPC) > 0 {
		var version string
		if json.Unmarshal(req.JSONRPC, &version) != nil {
			resp.Error = errorf(jsonrpc.CodeInvalidRequest, "jsonrpc field must be a string")
			return resp, false
		}
		switch version {
		case jsonrpc.Version2:
			resp.Legacy = false
			notify = len(req.ID) == 0
		case "1.0", "1.1":
		default:
			resp.Error = errorf(jsonrpc.CodeInvalidRequest, "JSON-RPC version not supported")
			return resp, false
		}
	}
	var method string
	if len(req.Method) == 0 {
		resp.Error = errorf(jsonrpc.CodeInvalidRequest, "Missing method")
		return resp, notify
	}
	if json.Unmarshal(req.Method, &method) != nil {
		resp.Error = errorf(jsonrpc.CodeInvalidRequest, "Method must be a string")
		return resp, notify
	}
	spec, ok := s.methods[method]
	if !ok {
		resp.Error = errorf(jsonrpc.CodeMethodNotFound, "Method not found")
		return resp, notify
	}
	if *budget <= 0 {
		resp.Error = errorf(jsonrpc.CodeMisc, "reply larger than %d bytes: the rest of this batch was not run; send fewer calls per batch", s.maxResponse)
		return resp, notify
	}
	p, perr := parseParams(spec, req.Params)
	if perr != nil {
		resp.Error = perr
		return resp, notify
	}
	result, err := s.call(ctx, spec.handler, p)
	if err != nil {
		resp.Error = asRPCError(err)
		return resp, notify
	}
	data, err := json.Marshal(result)
	if err != nil {
		s.log.Error("rpc_encode_failed", "method", method, "err", err)
		resp.Error = errorf(jsonrpc.CodeInternal, "internal error: encode %s result", method)
		return resp, notify
	}
	if len(data) > *budget {
		*budget = 0
		resp.Error = errorf(jsonrpc.CodeMisc, "reply larger than %d bytes: ask for less per call and fewer calls per batch", s.maxResponse)
		return resp, notify
	}
	*budget -= len(data)
	resp.Result = data
	return resp, notify
}

// call runs a method, turning a panic into an internal error: no request
// may bring the node down.
func (s *Server) call(ctx context.Context, method rpcMethod, p *params) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("rpc_panic", "method", p.method, "err", fmt.Sprint(r))
			err = errorf(jsonrpc.CodeInternal, "internal error in %s", p.method)
		}
	}()
	return method(ctx, p)
}

func asRPCError(err error) *rpcError {
	var re *rpcError
	if errors.As(err, &re) {
		return re
	}
	return errorf(jsonrpc.CodeMisc, "%v", err)
}

// writeReply writes one reply followed by a newline, as Core does.
func writeReply(w http.ResponseWriter, status int, resp jsonrpc.Response) {
	data, err := json.Marshal(resp)
	if err != nil {
		data = []byte(`{"result":null,"error":{"code":-32603,"message":"encode response"},"id":null}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}
