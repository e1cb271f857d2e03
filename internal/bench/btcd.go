package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
)

// btcd is a btcd process in regtest on loopback, for side-by-side figures.
// The benchmark does not build btcd: --btcd names a binary built by hand
// (docs/PERFORMANCE.md gives the commands).
type btcd struct {
	dir     string
	cmd     *exec.Cmd
	done    chan struct{}
	rpcURL  string
	p2pPort int
	http    *http.Client
	logFile *os.File
}

const (
	btcdUser = "bench"
	btcdPass = "bench"
)

// btcdMiningAddress is a regtest P2PKH address of a fixed key (btcd's
// generate needs --miningaddr).
func btcdMiningAddress() (string, error) {
	h := sha256.Sum256([]byte("devchain bench btcd miner"))
	addr, err := btcutil.NewAddressPubKeyHash(h[:20], &chaincfg.RegressionNetParams)
	if err != nil {
		return "", err
	}
	return addr.EncodeAddress(), nil
}

// btcdArgs are the flags the benchmark runs btcd with: regtest, an empty
// config file, P2P and RPC on loopback only, no TLS (allowed on loopback),
// no DNS seeds, the default log level (info), peers only by --connect.
func btcdArgs(dir string, p2pPort, rpcPort int, miningAddr string, connect string) []string {
	args := []string{
		"--configfile=" + filepath.Join(dir, "btcd.conf"),
		"--regtest",
		"--datadir=" + filepath.Join(dir, "data"),
		"--logdir=" + filepath.Join(dir, "logs"),
		"--rpclisten=127.0.0.1:" + strconv.Itoa(rpcPort),
		"--rpcuser=" + btcdUser, "--rpcpass=" + btcdPass,
		"--notls",
		"--nodnsseed",
		"--miningaddr=" + miningAddr,
	}
	if connect != "" {
		args = append(args, "--connect="+connect, "--nolisten")
	} else {
		args = append(args, "--listen=127.0.0.1:"+strconv.Itoa(p2pPort))
	}
	return args
}

func startBtcd(ctx context.Context, exe, root, name, connect string) (*btcd, error) {
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "btcd.conf"), nil, 0o600); err != nil {
		return nil, err
	}
	p2pPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	miningAddr, err := btcdMiningAddress()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, btcdArgs(dir, p2pPort, rpcPort, miningAddr, connect)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start btcd: %w", err)
	}
	b := &btcd{dir: dir, cmd: cmd, done: make(chan struct{}), rpcURL: fmt.Sprintf("http://127.0.0.1:%d/", rpcPort),
		p2pPort: p2pPort, http: &http.Client{Timeout: 10 * time.Minute}, logFile: logFile}
	go func() {
		cmd.Wait()
		close(b.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var h int
		err := b.call(ctx, &h, "getblockcount")
		if err == nil {
			return b, nil
		}
		select {
		case <-b.done:
			return nil, fmt.Errorf("btcd %s exited at start (%s); log in %s", name, cmd.ProcessState, dir)
		case <-ctx.Done():
			b.stop()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("btcd %s: RPC not up after 60 s: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// call is a JSON-RPC 1.0 call with basic auth, as btcctl makes.
func (b *btcd) call(ctx context.Context, result any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.rpcURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(btcdUser, btcdPass)
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("btcd %s: HTTP %d: %.200s", method, resp.StatusCode, data)
	}
	if r.Error != nil {
		return fmt.Errorf("btcd %s: %d %s", method, r.Error.Code, r.Error.Message)
	}
	if result != nil {
		return json.Unmarshal(r.Result, result)
	}
	return nil
}

func (b *btcd) height(ctx context.Context) (int, error) {
	var h int
	err := b.call(ctx, &h, "getblockcount")
	return h, err
}

func (b *btcd) rss() int64 {
	v, _ := rssBytes(b.cmd.Process.Pid)
	return v
}

func (b *btcd) stop() {
	if b == nil || b.cmd.Process == nil {
		return
	}
	select {
	case <-b.done:
	default:
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(30 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
	}
	b.logFile.Close()
}
