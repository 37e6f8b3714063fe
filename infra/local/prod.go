package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resync/resync/internal/oidclocal"
	"github.com/resync/resync/internal/prodenv"
	"github.com/resync/resync/shared/adapter/bedrock/bedrocksim"
	"github.com/resync/resync/shared/app/offline"
	"github.com/resync/resync/shared/domain/llm"
	sharedconfig "github.com/resync/resync/shared/edge/config"
)

// The production-parity mode (LOCAL_PROD=1, `make prod-local`) starts every
// function with the variables the synthesized prod template gives it —
// the names of internal/prodenv/prod-env.json, which infra/cdk's tests keep
// equal to the template — and STAGE=prod, and substitutes only what cannot
// exist on one machine, each by a local part the functions reach through
// their real clients:
//
//   - Cognito: an oidclocal issuer at /local/oidc serving a JWKS; tokens
//     are RS256 with Cognito's claims, minted by POST /local/token (the
//     hosted UI's stand-in); HS256 is refused as in AWS;
//   - Secrets Manager: prodenv.Secrets, the JSON 1.1 protocol with every
//     request's SigV4 signature recomputed (moto's server, the other
//     choice, does not check signatures); it holds the HWA and Neo4j
//     secrets and the Redis AUTH token, as the template's HWA_SECRET_ARN,
//     NEO4J_SECRET_ARN and REDIS_AUTH_SECRET_ARN name;
//   - ElastiCache: Debian's redis-server with TLS (a CA generated per run,
//     trusted through SSL_CERT_FILE as the system roots trust Amazon's) and
//     AUTH: REDIS_URL is rediss://host:port without credentials, as the
//     template writes it, and the token is read from the secret;
//   - Bedrock: bedrocksim speaking Converse, ConverseStream and Titan
//     embeddings, answering with the offline model;
//   - Neo4j Aura: the Neo4j given by NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD
//     (scripts/services.sh's), reached with the secret's credentials;
//   - S3, the HWA simulator (Basic auth) and the @connections API as in
//     the development mode.
//
// Variables the functions get beyond the template's are endpoint overrides
// and the CA, printed at start; a template variable without a local value
// is printed too, never silently dropped.

// Local-only variables of the production-parity mode.
const (
	envProd     = "LOCAL_PROD"         // "1" or "true": production-parity mode
	envRedisBin = "LOCAL_REDIS_SERVER" // redis-server to run with TLS (default: from PATH)
	prodKey     = "local"              // the AWS access key (and secret) the stand-ins accept
)

// prodParts are the local stand-ins of the production-parity mode.
type prodParts struct {
	issuer  *oidclocal.Issuer
	secrets *httptest.Server
	bedrock *httptest.Server
	redis   *exec.Cmd
	dir     string // the CA and the Redis certificate

	values     map[string]string // the template's variables with their local values
	extra      []string          // local-only variables, KEY=value
	unhonoured []string          // template variables this mode cannot give a value
	redisURL   string            // for the stack's own security log
	redisToken string            // the AUTH token, for the stack's own client
	tlsConfig  *tls.Config       // trusts the generated CA
}

// startProd starts the stand-ins. base is the stack's URL (the issuer and
// the HWA simulator live on it); hwaUser and hwaPassword are the
// simulator's; wsEndpoint is the @connections API.
func startProd(ctx context.Context, getenv func(string) string, base, hwaURL, hwaUser, hwaPassword, wsEndpoint, region string) (_ *prodParts, err error) {
	p := &prodParts{values: map[string]string{}}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.issuer, err = oidclocal.New(oidclocal.Config{URL: base + "/local/oidc", ClientID: localClientID}); err != nil {
		return nil, err
	}

	neoURI, neoUser, neoPassword := getenv(sharedconfig.EnvNeo4jURI), getenv(sharedconfig.EnvNeo4jUser), getenv(sharedconfig.EnvNeo4jPassword)
	if neoURI == "" {
		return nil, errors.New("local: the production-parity mode needs a Neo4j (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD; scripts/prod-local.sh starts one)")
	}
	if neoUser == "" {
		neoUser = "neo4j"
	}
	hwaSecret, _ := json.Marshal(map[string]string{"url": hwaURL, "user": hwaUser, "password": hwaPassword})
	neoSecret, _ := json.Marshal(map[string]string{"user": neoUser, "password": neoPassword})

	sim := bedrocksim.New()
	sim.Credentials(prodKey, prodKey)
	model := offline.New()
	sim.Respond(func(req bedrocksim.Request) bedrocksim.Turn { return offlineTurn(model, req) })
	p.bedrock = httptest.NewServer(sim)

	if p.dir, err = os.MkdirTemp("", "resync-prod-local-"); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	caFile, token, port, err := p.startRedis(ctx, getenv(envRedisBin))
	if err != nil {
		return nil, err
	}
	p.redisURL, p.redisToken = "rediss://127.0.0.1:"+strconv.Itoa(port), token
	p.secrets = httptest.NewServer(prodenv.NewSecrets(prodKey, prodKey, region, prodenv.SecretValues(string(hwaSecret), string(neoSecret), token)))

	p.values = prodenv.Values(prodenv.Local{
		RedisURL: p.redisURL, HWAURL: hwaURL, Neo4jURI: neoURI, Issuer: p.issuer.URL(), ClientID: localClientID,
		Region: region, DocumentsBucket: documentsBucket, AuditBucket: auditBucket, WSEndpoint: wsEndpoint,
		ConsoleURL: wsEndpoint, // the stack serves the web client too
	})
	p.extra = []string{
		"AWS_REGION=" + region,
		"AWS_ACCESS_KEY_ID=" + prodKey,
		"AWS_SECRET_ACCESS_KEY=" + prodKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + p.secrets.URL,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME=" + p.bedrock.URL,
		"SSL_CERT_FILE=" + caFile,
	}
	return p, nil
}

// env returns function fn's environment: the template's variables with
// their local values, then the local-only ones, then extra (the stack's
// S3 endpoint, PATH, ...). It records template variables it has no value
// for in p.unhonoured.
func (p *prodParts) env(fn string, extra []string) ([]string, error) {
	names, err := prodenv.Names()
	if err != nil {
		return nil, err
	}
	list, ok := names[fn]
	if !ok {
		return nil, fmt.Errorf("local: prod-env.json names no function %q", fn)
	}
	vars, missing := prodenv.Select(list, p.values)
	for _, n := range missing {
		p.unhonoured = append(p.unhonoured, fn+":"+n)
	}
	var env []string
	for _, n := range list {
		if v, ok := vars[n]; ok {
			env = append(env, n+"="+v)
		}
	}
	return append(append(env, p.extra...), extra...), nil
}

// notes returns what the start-up banner says about this mode.
func (p *prodParts) notes() []string {
	out := []string{
		"secrets       " + p.secrets.URL + " (Secrets Manager stand-in, SigV4 checked; HWA, Neo4j and Redis AUTH secrets by ARN)",
		"bedrock       " + p.bedrock.URL + " (Converse wire protocol; answers by the offline model)",
		"oidc issuer   " + p.issuer.URL() + " (JWKS at " + p.issuer.JWKSURL() + "; RS256 only)",
	}
	var local []string
	for _, kv := range p.extra {
		k, _, _ := strings.Cut(kv, "=")
		local = append(local, k)
	}
	out = append(out, "local-only    "+strings.Join(local, ", ")+", "+sharedconfig.EnvS3Endpoint)
	if len(p.unhonoured) > 0 {
		sort.Strings(p.unhonoured)
		out = append(out, "NOT HONOURED  "+strings.Join(p.unhonoured, ", "))
	} else {
		out = append(out, "template vars every variable the prod template sets is set (internal/prodenv/prod-env.json)")
	}
	return out
}

func redactToken(u string) string {
	if i, j := strings.Index(u, "://:"), strings.Index(u, "@"); i >= 0 && j > i {
		return u[:i+4] + "****" + u[j:]
	}
	return u
}

// Close stops the stand-ins.
func (p *prodParts) Close() {
	if p.redis != nil && p.redis.Process != nil {
		_ = p.redis.Process.Kill()
		_ = p.redis.Wait()
	}
	if p.secrets != nil {
		p.secrets.Close()
	}
	if p.bedrock != nil {
		p.bedrock.Close()
	}
	if p.dir != "" {
		_ = os.RemoveAll(p.dir)
	}
}

// startRedis generates a CA and a server certificate for 127.0.0.1, starts
// redis-server with TLS only and a random AUTH token, and waits until it
// answers. It returns the CA file, the token and the TLS port.
func (p *prodParts) startRedis(ctx context.Context, bin string) (string, string, int, error) {
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			return "", "", 0, errors.New("local: the production-parity mode runs redis-server with TLS: install it (apt-get install redis-server; scripts/services.sh does) or set " + envRedisBin)
		}
	}
	caFile, certFile, keyFile, pool, err := writeCerts(p.dir)
	if err != nil {
		return "", "", 0, err
	}
	var tb [24]byte
	_, _ = rand.Read(tb[:])
	token := hex.EncodeToString(tb[:])
	port, err := freePort()
	if err != nil {
		return "", "", 0, err
	}
	conf := filepath.Join(p.dir, "redis.conf")
	// The token goes in a file, not on the command line where ps shows it.
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("port 0\nbind 127.0.0.1\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients no\nrequirepass %s\nsave \"\"\nappendonly no\ndir %s\n",
		port, certFile, keyFile, caFile, token, p.dir)), 0o600); err != nil {
		return "", "", 0, fmt.Errorf("local: redis config: %w", err)
	}
	p.redis = exec.Command(bin, conf)
	logFile, err := os.Create(filepath.Join(p.dir, "redis.log"))
	if err != nil {
		return "", "", 0, err
	}
	p.redis.Stdout, p.redis.Stderr = logFile, logFile
	if err := p.redis.Start(); err != nil {
		return "", "", 0, fmt.Errorf("local: start %s: %w", bin, err)
	}
	p.tlsConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, ServerName: "127.0.0.1"}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Password: token, TLSConfig: p.tlsConfig})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := rdb.Ping(ctx).Err()
		if err == nil {
			return caFile, token, port, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
			return "", "", 0, fmt.Errorf("local: redis-server with TLS did not answer in 10s: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeCerts writes a CA and a server certificate for 127.0.0.1 and
// localhost signed by it (ECDSA P-256, valid for a day).
func writeCerts(dir string) (caFile, certFile, keyFile string, pool *x509.CertPool, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Resync prod-local CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return "", "", "", nil, err
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "redis.pem"), filepath.Join(dir, "redis.key")
	for file, block := range map[string]*pem.Block{
		caFile:   {Type: "CERTIFICATE", Bytes: caDER},
		certFile: {Type: "CERTIFICATE", Bytes: srvDER},
		keyFile:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			return "", "", "", nil, err
		}
	}
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	return caFile, certFile, keyFile, pool, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// offlineTurn answers a Converse request with the offline model: the wire
// request becomes an llm.Request, the offline model's answer becomes the
// turn bedrocksim streams back.
func offlineTurn(m *offline.Model, req bedrocksim.Request) bedrocksim.Turn {
	in := llm.Request{System: req.SystemText()}
	if req.ToolConfig != nil {
		for _, t := range req.ToolConfig.Tools {
			if t.ToolSpec != nil {
				in.Tools = append(in.Tools, llm.ToolSpec{Name: t.ToolSpec.Name, Description: t.ToolSpec.Description, Schema: t.ToolSpec.InputSchema.JSON})
			}
		}
	}
	for _, msg := range req.Messages {
		out := llm.Message{Role: llm.Role(msg.Role)}
		for _, c := range msg.Content {
			switch {
			case c.Text != nil:
				out.Content = append(out.Content, llm.Block{Text: *c.Text})
			case c.ToolUse != nil:
				out.Content = append(out.Content, llm.Block{ToolUse: &llm.ToolUse{ID: c.ToolUse.ToolUseID, Name: c.ToolUse.Name, Input: c.ToolUse.Input}})
			case c.ToolResult != nil:
				var text strings.Builder
				for _, rc := range c.ToolResult.Content {
					switch {
					case rc.JSON != nil:
						text.Write(rc.JSON)
					case rc.Text != nil:
						text.WriteString(*rc.Text)
					}
				}
				out.Content = append(out.Content, llm.Block{ToolResult: &llm.ToolResult{
					ToolUseID: c.ToolResult.ToolUseID, Content: text.String(), IsError: c.ToolResult.Status == "error",
				}})
			}
		}
		in.Messages = append(in.Messages, out)
	}
	resp, err := m.Stream(context.Background(), in, func(llm.Event) error { return nil })
	if err != nil {
		return bedrocksim.Turn{Fail: &bedrocksim.Fault{Status: http.StatusInternalServerError, Code: "InternalServerException", Message: "offline model: " + err.Error()}}
	}
	var t bedrocksim.Turn
	if txt := resp.Message.Text(); txt != "" {
		t.Text = splitWords(txt)
	}
	for _, tu := range resp.Message.ToolUses() {
		t.ToolUses = append(t.ToolUses, bedrocksim.ToolUse{ID: tu.ID, Name: tu.Name, Input: string(tu.Input)})
	}
	return t
}

// splitWords cuts text into deltas of a few words, as a model streams.
func splitWords(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for spaces := 0; i < len(s) && spaces < 4; i++ {
			if s[i] == ' ' {
				spaces++
			}
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}
