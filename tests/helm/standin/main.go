// Command helm is a TEST STAND-IN for Helm 3, NOT Helm: it renders a chart the way Helm documents (text/template
// with the sprig library Helm uses, plus include, tpl, required, toYaml, fromYaml, lookup) and keeps release
// records in a local directory, so the tests of kubectl-aiops can run `helm template|lint|upgrade|history|
// rollback|status` on machines without Helm. It applies with `kubectl apply`, not with Helm's three-way merge.
// docs/helm-standin.md lists what it implements and how real Helm differs.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	yamlv2 "gopkg.in/yaml.v2"
	"gopkg.in/yaml.v3"
)

const usage = `helm: a TEST STAND-IN for Helm 3 (kubectl-aiops tests/helm/standin), NOT Helm.

It renders charts with text/template and sprig as Helm does, and records releases in
$HELM_STANDIN_STATE (default $XDG_DATA_HOME/helm-standin or ~/.local/share/helm-standin).

Usage:
  helm template NAME CHART [-n NS] [-f FILE]... [--set K=V]... [--set-string K=V]...
                [--post-renderer EXE [--post-renderer-args ARG]...]
  helm lint CHART [-f FILE]... [--set K=V]...
  helm upgrade [--install] NAME CHART [-n NS] [-f FILE]... [--set K=V]... [--post-renderer EXE]
               [--post-renderer-args ARG]... [--wait] [--timeout DURATION] [--kubeconfig FILE]
  helm history NAME [-n NS] [-o table|json] [--max N]
  helm rollback NAME [REVISION] [-n NS] [--wait] [--timeout DURATION]
  helm status NAME [-n NS] [-o table|json]
  helm version [--short]

Every invocation appends its arguments as one JSON array line to $HELM_STANDIN_LOG when set.
`

// standinVersion is what `helm version` prints: a Helm 3 version with a build tag naming the stand-in.
const standinVersion = "v3.16.0+standin"

// errUsage is returned by the flag parser for --help: print the usage and succeed.
var errUsage = errors.New("usage")

func main() {
	logInvocation(os.Args[1:])
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
		os.Exit(1)
	}
}

// logInvocation records argv for tests; a failure to log must not change what the command does.
func logInvocation(args []string) {
	file := os.Getenv("HELM_STANDIN_LOG")
	if file == "" {
		return
	}
	if args == nil {
		args = []string{}
	}
	line, _ := json.Marshal(args)
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}

// ---- command line ----

// options are the flags of every subcommand; each subcommand reads the ones it documents.
type options struct {
	positional        []string
	namespace         string
	valueFiles        []string
	sets              []setFlag
	postRenderer      string
	postRendererArgs  []string
	install           bool
	wait              bool
	timeout           time.Duration
	output            string
	kubeconfig        string
	kubeContext       string
	max               int
	short             bool
	createNamespace   bool
	reuseValues       bool
	resetValues       bool
	dryRun            bool
	installOnly       bool
	postRendererGiven bool
}

// setFlag is one --set or --set-string argument, kept in command-line order because later ones win.
type setFlag struct {
	expr     string
	asString bool
}

var valueFlags = map[string]bool{
	"-n": true, "--namespace": true, "-f": true, "--values": true, "--set": true, "--set-string": true,
	"--post-renderer": true, "--post-renderer-args": true, "--timeout": true, "-o": true, "--output": true,
	"--kubeconfig": true, "--kube-context": true, "--max": true, "--version": true, "--description": true,
}

var boolFlags = map[string]bool{
	"-i": true, "--install": true, "--wait": true, "--atomic": true, "--debug": true, "--short": true,
	"--create-namespace": true, "--reuse-values": true, "--reset-values": true, "--dry-run": true,
	"--wait-for-jobs": true, "--no-hooks": true, "--force": true, "--cleanup-on-fail": true, "--help": true,
	"-h": true, "--strict": true,
}

func parseFlags(args []string) (*options, error) {
	o := &options{namespace: os.Getenv("HELM_NAMESPACE"), timeout: 5 * time.Minute, output: "table", max: 256}
	if o.namespace == "" {
		o.namespace = "default"
	}
	o.kubeconfig = os.Getenv("KUBECONFIG")
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			o.positional = append(o.positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			o.positional = append(o.positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(arg, "=")
		switch {
		case valueFlags[name]:
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag needs an argument: %s", name)
				}
				i++
				value = args[i]
			}
		case boolFlags[name]:
			if hasValue && value != "true" && value != "false" {
				return nil, fmt.Errorf("invalid argument %q for %q flag: strconv.ParseBool: parsing %q: invalid syntax",
					value, name, value)
			}
			if !hasValue {
				value = "true"
			}
		default:
			return nil, fmt.Errorf("unknown flag: %s", name)
		}
		if err := o.set(name, value); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (o *options) set(name, value string) error {
	on := value == "true"
	switch name {
	case "-n", "--namespace":
		o.namespace = value
	case "-f", "--values":
		o.valueFiles = append(o.valueFiles, value)
	case "--set":
		o.sets = append(o.sets, setFlag{expr: value})
	case "--set-string":
		o.sets = append(o.sets, setFlag{expr: value, asString: true})
	case "--post-renderer":
		o.postRenderer, o.postRendererGiven = value, true
	case "--post-renderer-args":
		o.postRendererArgs = append(o.postRendererArgs, value)
	case "--timeout":
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"--timeout\" flag: %v", value, err)
		}
		o.timeout = d
	case "-o", "--output":
		if value != "table" && value != "json" {
			return fmt.Errorf("invalid argument %q for \"-o, --output\" flag: invalid format type (the stand-in supports table and json)", value)
		}
		o.output = value
	case "--kubeconfig":
		o.kubeconfig = value
	case "--kube-context":
		o.kubeContext = value
	case "--max":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"--max\" flag: %v", value, err)
		}
		o.max = n
	case "-i", "--install":
		o.install = on
	case "--wait", "--atomic":
		// --atomic implies --wait in Helm 3; the stand-in does not roll back on failure (documented).
		o.wait = o.wait || on
	case "--short":
		o.short = on
	case "--create-namespace":
		o.createNamespace = on
	case "--reuse-values":
		o.reuseValues = on
	case "--reset-values":
		o.resetValues = on
	case "--dry-run":
		o.dryRun = on
	case "--help", "-h":
		return errUsage
	}
	// The remaining flags (--debug, --version, --description, --dry-run, ...) are accepted and ignored so that
	// command lines written for real Helm keep working.
	return nil
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	// Global flags may come before the subcommand (`helm --kubeconfig F history NAME`), as with Helm.
	o, err := parseFlags(args)
	if errors.Is(err, errUsage) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if err != nil {
		return err
	}
	if len(o.positional) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	command := o.positional[0]
	o.positional = o.positional[1:]
	switch command {
	case "template":
		return cmdTemplate(o, stdout)
	case "lint":
		return cmdLint(o, stdout)
	case "upgrade":
		return cmdUpgrade(o, stdout)
	case "install":
		o.install, o.installOnly = true, true
		return cmdUpgrade(o, stdout)
	case "history", "hist":
		return cmdHistory(o, stdout)
	case "rollback":
		return cmdRollback(o, stdout)
	case "status":
		return cmdStatus(o, stdout)
	case "version":
		if o.short {
			fmt.Fprintln(stdout, standinVersion)
		} else {
			fmt.Fprintf(stdout, "version.BuildInfo{Version:%q, GitCommit:\"\", GitTreeState:\"\", GoVersion:\"stand-in\"}\n", standinVersion)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q for \"helm\" (this TEST STAND-IN implements template, lint, upgrade, install, history, rollback, status, version)", command)
}

func needArgs(o *options, n int, use string) error {
	if len(o.positional) < n {
		return fmt.Errorf("\"helm %s\" requires at least %d arguments", use, n)
	}
	return nil
}

// ---- chart and values ----

type chartMeta struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AppVersion  string `yaml:"appVersion"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	Icon        string `yaml:"icon"`
}

type chart struct {
	dir       string
	meta      chartMeta
	values    map[string]interface{}
	schema    map[string]interface{} // nil when the chart has no values.schema.json
	templates map[string]string      // "<chart>/templates/<file>" -> text
}

func loadChart(dir string) (*chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("path %q not found", dir)
	}
	c := &chart{dir: dir, templates: map[string]string{}}
	if err := yaml.Unmarshal(raw, &c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	if c.meta.Name == "" || c.meta.Version == "" {
		return nil, errors.New("validation: chart.metadata.name and chart.metadata.version are required")
	}
	c.values = map[string]interface{}{}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if c.values, err = parseValues(raw); err != nil {
			return nil, fmt.Errorf("cannot load values.yaml: %v", err)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.schema.json")); err == nil {
		if err := json.Unmarshal(raw, &c.schema); err != nil {
			return nil, fmt.Errorf("cannot load values.schema.json: %v", err)
		}
	}
	root := filepath.Join(dir, "templates")
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		c.templates[path.Join(c.meta.Name, "templates", filepath.ToSlash(rel))] = string(text)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return c, nil
}

// parseValues reads YAML the way Helm does (sigs.k8s.io/yaml): through JSON, so every number is a float64
// and every map has string keys.
func parseValues(raw []byte) (map[string]interface{}, error) {
	var doc interface{}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return map[string]interface{}{}, nil
	}
	v, err := jsonRoundTrip(doc)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, errors.New("values are not a YAML mapping")
	}
	return m, nil
}

func jsonRoundTrip(v interface{}) (interface{}, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(raw, &out)
	return out, err
}

// coalesce merges src over dst: maps deeply, anything else replaced; a null in src deletes the key, as Helm
// documents for user-supplied values.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := out[k].(map[string]interface{})
		if sok && dok {
			out[k] = coalesce(dm, sm)
		} else {
			out[k] = v
		}
	}
	return out
}

// userValues gathers -f files then --set/--set-string in order, as Helm's values options do.
func userValues(o *options) (map[string]interface{}, error) {
	vals := map[string]interface{}{}
	for _, f := range o.valueFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("open %s: no such file or directory", f)
		}
		m, err := parseValues(raw)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %v", f, err)
		}
		vals = coalesce(vals, m)
	}
	for _, s := range o.sets {
		if err := parseSet(s.expr, vals, s.asString); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %v", err)
		}
	}
	return vals, nil
}

// parseSet applies one --set expression ("a.b=c,d[0]=e,f={x,y}") to vals. Types follow Helm's strvals:
// true/false, null and integers are typed unless asString; backslash escapes , . = and \.
func parseSet(expr string, vals map[string]interface{}, asString bool) error {
	for _, item := range splitUnescaped(expr, ',', true) {
		if item == "" {
			continue
		}
		parts := splitUnescaped(item, '=', false)
		if len(parts) < 2 {
			return fmt.Errorf("key %q has no value", unescape(item))
		}
		key, raw := parts[0], strings.Join(parts[1:], "=")
		var value interface{}
		if strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			list := []interface{}{}
			for _, e := range splitUnescaped(raw[1:len(raw)-1], ',', false) {
				list = append(list, typedValue(unescape(e), asString))
			}
			value = list
		} else {
			value = typedValue(unescape(raw), asString)
		}
		if err := setPath(vals, splitUnescaped(key, '.', false), value); err != nil {
			return err
		}
	}
	return nil
}

// splitUnescaped splits on sep outside backslash escapes; with braces, separators inside {...} do not split.
func splitUnescaped(s string, sep byte, braces bool) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case braces && s[i] == '{':
			depth++
		case braces && s[i] == '}' && depth > 0:
			depth--
		case s[i] == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

var indexRe = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

func setPath(vals map[string]interface{}, keys []string, value interface{}) error {
	key := unescape(keys[0])
	if m := indexRe.FindStringSubmatch(keys[0]); m != nil {
		key = unescape(m[1])
		idx, _ := strconv.Atoi(m[2])
		list, _ := vals[key].([]interface{})
		for len(list) <= idx {
			list = append(list, nil)
		}
		if len(keys) == 1 {
			list[idx] = value
		} else {
			child, ok := list[idx].(map[string]interface{})
			if !ok {
				child = map[string]interface{}{}
			}
			if err := setPath(child, keys[1:], value); err != nil {
				return err
			}
			list[idx] = child
		}
		vals[key] = list
		return nil
	}
	if len(keys) == 1 {
		vals[key] = value
		return nil
	}
	child, ok := vals[key].(map[string]interface{})
	if !ok {
		child = map[string]interface{}{}
		vals[key] = child
	}
	return setPath(child, keys[1:], value)
}

func typedValue(s string, asString bool) interface{} {
	if asString {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	// Helm keeps "0123" a string (a leading zero is not an integer) but parses "0" and "-5".
	if s == "0" || (len(s) > 0 && s[0] != '0' && !strings.HasPrefix(s, "-0") && !strings.HasPrefix(s, "+")) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// ---- values.schema.json (the draft-07 subset the chart uses) ----

// schemaErrors validates v against schema; messages use gojsonschema's wording, which Helm 3 prints.
func schemaErrors(root, schema map[string]interface{}, v interface{}, at string, out *[]string) {
	if ref, ok := schema["$ref"].(string); ok {
		schema = resolveRef(root, ref)
		if schema == nil {
			*out = append(*out, fmt.Sprintf("%s: cannot resolve $ref %s", field(at), ref))
			return
		}
	}
	if t, ok := schema["type"]; ok && !typeMatches(t, v) {
		*out = append(*out, fmt.Sprintf("%s: Invalid type. Expected: %s, given: %s", field(at), typeList(t), jsonType(v)))
		return
	}
	if enum, ok := schema["enum"].([]interface{}); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) && jsonType(e) == jsonType(v) {
				found = true
			}
		}
		if !found {
			allowed := make([]string, len(enum))
			for i, e := range enum {
				b, _ := json.Marshal(e)
				allowed[i] = string(b)
			}
			*out = append(*out, fmt.Sprintf("%s: %s must be one of the following: %s", field(at), field(at),
				strings.Join(allowed, ", ")))
		}
	}
	switch val := v.(type) {
	case string:
		if p, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				*out = append(*out, fmt.Sprintf("%s: invalid pattern %q in schema", field(at), p))
			} else if !re.MatchString(val) {
				*out = append(*out, fmt.Sprintf("%s: Does not match pattern '%s'", field(at), p))
			}
		}
	case float64, int64:
		n := toFloat(val)
		if min, ok := schema["minimum"].(float64); ok && n < min {
			*out = append(*out, fmt.Sprintf("%s: Must be greater than or equal to %s", field(at), fmtNumber(min)))
		}
		if max, ok := schema["maximum"].(float64); ok && n > max {
			*out = append(*out, fmt.Sprintf("%s: Must be less than or equal to %s", field(at), fmtNumber(max)))
		}
	case []interface{}:
		if items, ok := schema["items"].(map[string]interface{}); ok {
			for i, e := range val {
				schemaErrors(root, items, e, join(at, strconv.Itoa(i)), out)
			}
		}
	case map[string]interface{}:
		if req, ok := schema["required"].([]interface{}); ok {
			for _, r := range req {
				if _, present := val[fmt.Sprint(r)]; !present {
					*out = append(*out, fmt.Sprintf("%s: %v is required", field(at), r))
				}
			}
		}
		props, _ := schema["properties"].(map[string]interface{})
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k].(map[string]interface{}); ok {
				schemaErrors(root, p, val[k], join(at, k), out)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					*out = append(*out, fmt.Sprintf("%s: Additional property %s is not allowed", field(at), k))
				}
			case map[string]interface{}:
				schemaErrors(root, ap, val[k], join(at, k), out)
			}
		}
	}
}

func resolveRef(root map[string]interface{}, ref string) map[string]interface{} {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur interface{} = root
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return nil
		}
		cur = m[part]
	}
	m, _ := cur.(map[string]interface{})
	return m
}

func field(at string) string {
	if at == "" {
		return "(root)"
	}
	return at
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func toFloat(v interface{}) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	}
	return math.NaN()
}

func fmtNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func jsonType(v interface{}) string {
	switch n := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []interface{}:
		return "array"
	case map[string]interface{}:
		return "object"
	case int64:
		return "integer"
	case float64:
		if n == math.Trunc(n) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(t, v interface{}) bool {
	given := jsonType(v)
	check := func(want string) bool { return want == given || (want == "number" && given == "integer") }
	switch tt := t.(type) {
	case string:
		return check(tt)
	case []interface{}:
		for _, w := range tt {
			if check(fmt.Sprint(w)) {
				return true
			}
		}
	}
	return false
}

func typeList(t interface{}) string {
	if l, ok := t.([]interface{}); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = fmt.Sprint(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(t)
}

func validateSchema(c *chart, vals map[string]interface{}) error {
	if c.schema == nil {
		return nil
	}
	var problems []string
	schemaErrors(c.schema, c.schema, interface{}(vals), "", &problems)
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", c.meta.Name)
	for _, p := range problems {
		fmt.Fprintf(&b, "- %s\n", p)
	}
	return errors.New(b.String())
}

// ---- rendering ----

type release struct {
	name, namespace string
	revision        int
	isInstall       bool
}

// capabilities mirrors the fields of Helm's .Capabilities that charts commonly read.
type capabilities struct {
	KubeVersion kubeVersion
	APIVersions versionSet
	HelmVersion map[string]string
}

type kubeVersion struct{ Version, Major, Minor string }

func (k kubeVersion) String() string { return k.Version }

// versionSet answers .Capabilities.APIVersions.Has "apps/v1" (and "apps/v1/Deployment").
type versionSet []string

func (s versionSet) Has(v string) bool {
	for _, e := range s {
		if e == v || strings.HasPrefix(v, e+"/") {
			return true
		}
	}
	return false
}

var defaultAPIVersions = versionSet{"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "apiextensions.k8s.io/v1",
	"coordination.k8s.io/v1", "discovery.k8s.io/v1", "admissionregistration.k8s.io/v1", "scheduling.k8s.io/v1"}

// rendered is the output of one render: manifests in Helm's format and the NOTES text.
type rendered struct {
	manifest string
	notes    string
	docs     []manifestDoc
}

type manifestDoc struct {
	source  string // "<chart>/templates/<file>"
	content string // trimmed YAML text
	kind    string
	name    string
}

// errorCallRe finds the message of a failing required/fail call in a text/template execution error.
var errorCallRe = regexp.MustCompile(`error calling (?:required|fail): ([\s\S]*)$`)
var locationRe = regexp.MustCompile(`^template: ([^:]+:\d+:\d+): `)

// cleanExecError shortens text/template errors the way Helm does: "execution error at (file:line:col): msg".
func cleanExecError(err error) error {
	msg := err.Error()
	if m := errorCallRe.FindStringSubmatch(msg); m != nil {
		if loc := locationRe.FindStringSubmatch(msg); loc != nil {
			return fmt.Errorf("execution error at (%s): %s", loc[1], m[1])
		}
		return errors.New(m[1])
	}
	return err
}

func funcMap(root **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	// Helm removes these two so a render never depends on the renderer's environment.
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	// lookup reads the live cluster in Helm; the stand-in answers as `helm template` does: an empty map.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["include"] = includeFunc(root)
	f["tpl"] = tplFunc(root)
	return f
}

func includeFunc(root **template.Template) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		var b strings.Builder
		if err := (*root).ExecuteTemplate(&b, name, data); err != nil {
			return "", err
		}
		return b.String(), nil
	}
}

// tplFunc renders a string as a template against the given data, with the chart's named templates visible.
func tplFunc(root **template.Template) func(string, interface{}) (string, error) {
	return func(text string, data interface{}) (string, error) {
		clone, err := (*root).Clone()
		if err != nil {
			return "", err
		}
		// include and tpl inside the string must see the clone, which may define more templates.
		holder := clone
		clone.Funcs(template.FuncMap{"include": includeFunc(&holder), "tpl": tplFunc(&holder)})
		t, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %v", text, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
}

// toYAML is Helm's toYaml: JSON first (sorted keys, JSON types), then YAML through go-yaml v2, no final newline.
func toYAML(v interface{}) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var ms yamlv2.MapSlice
	var doc interface{} = &ms
	if len(raw) == 0 || raw[0] != '{' {
		var any interface{}
		doc = &any
	}
	if err := yamlv2.Unmarshal(raw, doc); err != nil {
		return ""
	}
	out, err := yamlv2.Marshal(doc)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m, err := parseValues([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var doc interface{}
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return []interface{}{err.Error()}
	}
	v, err := jsonRoundTrip(doc)
	if l, ok := v.([]interface{}); ok && err == nil {
		return l
	}
	return []interface{}{}
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var l []interface{}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return []interface{}{err.Error()}
	}
	return l
}

// installOrder is Helm 3's releaseutil.InstallOrder: manifests are sorted by kind in this order (stable, so
// file order and document order decide within a kind); unknown kinds come last, alphabetically.
var installOrder = []string{"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
	"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"}

var docSplitRe = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

func render(c *chart, user map[string]interface{}, rel release) (*rendered, error) {
	vals := coalesce(c.values, user)
	normalized, err := jsonRoundTrip(vals)
	if err != nil {
		return nil, err
	}
	vals = normalized.(map[string]interface{})
	if err := validateSchema(c, vals); err != nil {
		return nil, err
	}
	var root *template.Template
	root = template.New("gotpl").Option("missingkey=zero").Funcs(funcMap(&root))
	names := make([]string, 0, len(c.templates))
	for name := range c.templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := root.New(name).Parse(c.templates[name]); err != nil {
			return nil, fmt.Errorf("parse error at (%s", strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	top := map[string]interface{}{
		"Values": vals,
		"Release": map[string]interface{}{"Name": rel.name, "Namespace": rel.namespace, "Service": "Helm",
			"Revision": rel.revision, "IsInstall": rel.isInstall, "IsUpgrade": !rel.isInstall},
		"Chart": map[string]interface{}{"Name": c.meta.Name, "Version": c.meta.Version,
			"AppVersion": c.meta.AppVersion, "Description": c.meta.Description, "Type": c.meta.Type},
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: "v1.32.0", Major: "1", Minor: "32"},
			APIVersions: defaultAPIVersions,
			HelmVersion: map[string]string{"Version": standinVersion},
		},
		"Files":     map[string]interface{}{},
		"Subcharts": map[string]interface{}{},
	}
	out := &rendered{}
	for _, name := range names {
		base := path.Base(name)
		// Files starting with "_" are partials: they only define named templates.
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Join(c.meta.Name, "templates")}
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, name, data); err != nil {
			return nil, cleanExecError(err)
		}
		text := strings.ReplaceAll(b.String(), "<no value>", "")
		if base == "NOTES.txt" {
			out.notes = text
			continue
		}
		if !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".json") {
			continue
		}
		for _, d := range docSplitRe.Split(text, -1) {
			if strings.TrimSpace(d) == "" {
				continue
			}
			doc := manifestDoc{source: name, content: strings.TrimSpace(d)}
			var head struct {
				Kind     string `yaml:"kind"`
				Metadata struct {
					Name string `yaml:"name"`
				} `yaml:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc.content), &head); err == nil {
				doc.kind, doc.name = head.Kind, head.Metadata.Name
			}
			out.docs = append(out.docs, doc)
		}
	}
	rank := func(kind string) int {
		for i, k := range installOrder {
			if k == kind {
				return i
			}
		}
		return len(installOrder)
	}
	sort.SliceStable(out.docs, func(i, j int) bool {
		ri, rj := rank(out.docs[i].kind), rank(out.docs[j].kind)
		if ri != rj {
			return ri < rj
		}
		return ri == len(installOrder) && out.docs[i].kind < out.docs[j].kind
	})
	var m strings.Builder
	for _, d := range out.docs {
		fmt.Fprintf(&m, "---\n# Source: %s\n%s\n", d.source, d.content)
	}
	out.manifest = m.String()
	return out, nil
}

// postRender pipes the manifest through the post-renderer with Helm 3's contract: stdin -> stdout, a non-zero
// exit is an error carrying the renderer's stderr.
func postRender(o *options, manifest string) (string, error) {
	if !o.postRendererGiven {
		return manifest, nil
	}
	bin := o.postRenderer
	var err error
	if strings.ContainsRune(bin, os.PathSeparator) {
		bin, err = filepath.Abs(bin)
	} else {
		bin, err = exec.LookPath(bin)
	}
	if err != nil {
		return "", fmt.Errorf("unable to find binary at %s: %v", o.postRenderer, err)
	}
	cmd := exec.Command(bin, o.postRendererArgs...)
	cmd.Stdin = strings.NewReader(manifest)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("error while running post render on files: error while running command %s. error output:\n%s: %v",
			bin, stderr.String(), err)
	}
	return stdout.String(), nil
}

func renderFor(o *options, name, chartDir string, rel release) (*chart, *rendered, map[string]interface{}, error) {
	c, err := loadChart(chartDir)
	if err != nil {
		return nil, nil, nil, err
	}
	user, err := userValues(o)
	if err != nil {
		return nil, nil, nil, err
	}
	rel.name = name
	out, err := render(c, user, rel)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, out, user, nil
}

// ---- template and lint ----

func cmdTemplate(o *options, stdout io.Writer) error {
	if err := needArgs(o, 2, "template"); err != nil {
		return err
	}
	_, out, _, err := renderFor(o, o.positional[0], o.positional[1],
		release{namespace: o.namespace, revision: 1, isInstall: true})
	if err != nil {
		return err
	}
	manifest, err := postRender(o, out.manifest)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, manifest)
	return err
}

func cmdLint(o *options, stdout io.Writer) error {
	chartDir := "."
	if len(o.positional) > 0 {
		chartDir = o.positional[0]
	}
	fmt.Fprintf(stdout, "==> Linting %s\n", chartDir)
	var problems []string
	c, err := loadChart(chartDir)
	if err != nil {
		problems = append(problems, "[ERROR] Chart.yaml: "+err.Error())
	} else {
		if c.meta.Icon == "" {
			fmt.Fprintln(stdout, "[INFO] Chart.yaml: icon is recommended")
		}
		if c.meta.APIVersion != "v2" {
			problems = append(problems, "[ERROR] Chart.yaml: apiVersion is required. The value must be \"v2\"")
		}
		problems = append(problems, lintRender(o, c)...)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	fmt.Fprintln(stdout)
	if len(problems) > 0 {
		return errors.New("1 chart(s) linted, 1 chart(s) failed")
	}
	fmt.Fprintln(stdout, "1 chart(s) linted, 0 chart(s) failed")
	return nil
}

// lintRender renders with a test release and checks that every document is a Kubernetes object.
func lintRender(o *options, c *chart) []string {
	user, err := userValues(o)
	if err != nil {
		return []string{"[ERROR] values.yaml: " + err.Error()}
	}
	out, err := render(c, user, release{name: "test-release", namespace: o.namespace, revision: 1, isInstall: true})
	if err != nil {
		return []string{"[ERROR] templates/: " + strings.TrimRight(err.Error(), "\n")}
	}
	var problems []string
	for _, d := range out.docs {
		var obj map[string]interface{}
		if err := yaml.Unmarshal([]byte(d.content), &obj); err != nil || obj == nil {
			problems = append(problems, fmt.Sprintf("[ERROR] %s: unable to parse YAML: the document is not a YAML mapping", relSource(d.source)))
			continue
		}
		meta, _ := obj["metadata"].(map[string]interface{})
		for _, missing := range []struct {
			ok   bool
			what string
		}{{obj["apiVersion"] != nil, "apiVersion"}, {obj["kind"] != nil, "kind"}, {meta != nil && meta["name"] != nil, "metadata.name"}} {
			if !missing.ok {
				problems = append(problems, fmt.Sprintf("[ERROR] %s: object has no %s", relSource(d.source), missing.what))
			}
		}
	}
	return problems
}

func relSource(source string) string {
	if i := strings.Index(source, "/"); i >= 0 {
		return source[i+1:]
	}
	return source
}

// ---- release records ----

// record is one revision as the stand-in stores it; the JSON names follow Helm's release fields.
type record struct {
	Revision     int                    `json:"revision"`
	Updated      string                 `json:"updated"`
	FirstDeploy  string                 `json:"first_deployed"`
	Status       string                 `json:"status"`
	Chart        string                 `json:"chart"`
	ChartName    string                 `json:"chart_name"`
	ChartVersion string                 `json:"chart_version"`
	AppVersion   string                 `json:"app_version"`
	Description  string                 `json:"description"`
	Manifest     string                 `json:"manifest"`
	Notes        string                 `json:"notes"`
	Config       map[string]interface{} `json:"config"`
}

func stateDir() string {
	if d := os.Getenv("HELM_STANDIN_STATE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "helm-standin")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "helm-standin")
}

func releaseFile(ns, name string) string {
	return filepath.Join(stateDir(), ns, name+".json")
}

func loadRecords(ns, name string) ([]record, error) {
	raw, err := os.ReadFile(releaseFile(ns, name))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var recs []record
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, fmt.Errorf("corrupt release record %s: %v", releaseFile(ns, name), err)
	}
	return recs, nil
}

// saveRecords writes through a temporary file and a rename, so a concurrent `helm history` never reads half.
func saveRecords(ns, name string, recs []record) error {
	file := releaseFile(ns, name)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", file, os.Getpid())
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func now() string { return time.Now().Format(time.RFC3339Nano) }

func supersedeDeployed(recs []record) {
	for i := range recs {
		if recs[i].Status == "deployed" {
			recs[i].Status = "superseded"
		}
	}
}

// ---- kubectl ----

func kubectl(o *options, stdin string, args ...string) (string, error) {
	full := []string{}
	if o.kubeconfig != "" {
		full = append(full, "--kubeconfig", o.kubeconfig)
	}
	if o.kubeContext != "" {
		full = append(full, "--context", o.kubeContext)
	}
	full = append(full, args...)
	cmd := exec.Command("kubectl", full...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.String(), errors.New(msg)
	}
	return stdout.String(), nil
}

// objectRef names one object of a manifest for kubectl: "deployment.v1.apps/todo-backend".
type objectRef struct{ resource, name, kind string }

func manifestObjects(manifest string) []objectRef {
	var refs []objectRef
	for _, d := range docSplitRe.Split(manifest, -1) {
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if yaml.Unmarshal([]byte(d), &head) != nil || head.Kind == "" || head.Metadata.Name == "" {
			continue
		}
		resource := strings.ToLower(head.Kind)
		if group, version, ok := strings.Cut(head.APIVersion, "/"); ok {
			resource += "." + version + "." + group
		}
		refs = append(refs, objectRef{resource: resource, name: head.Metadata.Name, kind: head.Kind})
	}
	return refs
}

// withOwnership adds what Helm 3 sets on every object it applies: the managed-by label and the release
// annotations (the rollout gate finds a release's Deployments by meta.helm.sh/release-name). Documents are
// read as Kubernetes reads YAML (go-yaml v2, YAML 1.1) and sent as JSON; the stored manifest stays as rendered.
func withOwnership(manifest, release, namespace string) (string, error) {
	var b strings.Builder
	for _, d := range docSplitRe.Split(manifest, -1) {
		var raw interface{}
		if err := yamlv2.Unmarshal([]byte(d), &raw); err != nil {
			return "", fmt.Errorf("error parsing manifest: %v", err)
		}
		obj, ok := jsonable(raw).(map[string]interface{})
		if !ok {
			continue // empty or comment-only document
		}
		meta := childMap(obj, "metadata")
		childMap(meta, "labels")["app.kubernetes.io/managed-by"] = "Helm"
		annotations := childMap(meta, "annotations")
		annotations["meta.helm.sh/release-name"] = release
		annotations["meta.helm.sh/release-namespace"] = namespace
		j, err := json.Marshal(obj)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "---\n%s\n", j)
	}
	return b.String(), nil
}

// jsonable turns go-yaml v2's map[interface{}]interface{} into JSON-ready maps.
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []interface{}:
		for i, e := range t {
			t[i] = jsonable(e)
		}
	}
	return v
}

func childMap(parent map[string]interface{}, key string) map[string]interface{} {
	m, ok := parent[key].(map[string]interface{})
	if !ok {
		m = map[string]interface{}{}
		parent[key] = m
	}
	return m
}

// apply applies the manifest and, as a Helm upgrade does, deletes the objects the previous revision had and
// this one does not.
func apply(o *options, release, manifest, previous string) error {
	owned, err := withOwnership(manifest, release, o.namespace)
	if err != nil {
		return err
	}
	if strings.TrimSpace(owned) != "" {
		if _, err := kubectl(o, owned, "apply", "-n", o.namespace, "-f", "-"); err != nil {
			return err
		}
	}
	keep := map[objectRef]bool{}
	for _, r := range manifestObjects(manifest) {
		keep[r] = true
	}
	for _, r := range manifestObjects(previous) {
		if !keep[r] {
			if _, err := kubectl(o, "", "delete", "-n", o.namespace, r.resource, r.name, "--ignore-not-found"); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitFor waits like `helm --wait` for the release's Deployments. Helm's waiter counts a paused Deployment as
// ready (it would never progress), so paused ones are skipped here too.
func waitFor(o *options, manifest string) error {
	deadline := time.Now().Add(o.timeout)
	for _, r := range manifestObjects(manifest) {
		if r.kind != "Deployment" {
			continue
		}
		paused, err := kubectl(o, "", "get", "-n", o.namespace, r.resource, r.name, "-o", "jsonpath={.spec.paused}")
		if err != nil {
			return err
		}
		if strings.TrimSpace(paused) == "true" {
			continue
		}
		left := time.Until(deadline)
		if left <= 0 {
			return errors.New("timed out waiting for the condition")
		}
		if _, err := kubectl(o, "", "rollout", "status", "-n", o.namespace, r.resource+"/"+r.name,
			"--timeout="+left.Round(time.Second).String()); err != nil {
			if strings.Contains(err.Error(), "timed out") || strings.Contains(err.Error(), "deadline") {
				return errors.New("timed out waiting for the condition")
			}
			return err
		}
	}
	return nil
}

// ---- upgrade, rollback, history, status ----

func cmdUpgrade(o *options, stdout io.Writer) error {
	if err := needArgs(o, 2, "upgrade"); err != nil {
		return err
	}
	name, chartDir := o.positional[0], o.positional[1]
	recs, err := loadRecords(o.namespace, name)
	if err != nil {
		return err
	}
	install := len(recs) == 0
	failPrefix := "UPGRADE FAILED: "
	if o.installOnly && !install {
		return errors.New("INSTALLATION FAILED: cannot re-use a name that is still in use")
	}
	if install {
		if !o.install {
			return fmt.Errorf("UPGRADE FAILED: %q has no deployed releases", name)
		}
		failPrefix = "INSTALLATION FAILED: "
		fmt.Fprintf(stdout, "Release %q does not exist. Installing it now.\n", name)
	}
	rev := 1
	if !install {
		rev = recs[len(recs)-1].Revision + 1
	}
	c, err := loadChart(chartDir)
	if err != nil {
		return errors.New(failPrefix + err.Error())
	}
	user, err := userValues(o)
	if err != nil {
		return errors.New(failPrefix + err.Error())
	}
	if o.reuseValues && !o.resetValues && !install {
		user = coalesce(recs[len(recs)-1].Config, user)
	}
	out, err := render(c, user, release{name: name, namespace: o.namespace, revision: rev, isInstall: install})
	if err != nil {
		return errors.New(failPrefix + err.Error())
	}
	// Helm 3 renders and post-renders before it creates the release record: a failure here leaves no revision.
	manifest, err := postRender(o, out.manifest)
	if err != nil {
		return errors.New(failPrefix + err.Error())
	}
	// --dry-run shows what would be applied; nothing reaches the cluster or the records.
	if o.dryRun {
		fmt.Fprintf(stdout, "NAME: %s\nNAMESPACE: %s\nSTATUS: pending-%s\nREVISION: %d\nMANIFEST:\n%s",
			name, o.namespace, map[bool]string{true: "install", false: "upgrade"}[install], rev, manifest)
		return nil
	}
	if o.createNamespace {
		if _, err := kubectl(o, "", "get", "namespace", o.namespace); err != nil {
			if _, err := kubectl(o, "", "create", "namespace", o.namespace); err != nil {
				return errors.New(failPrefix + err.Error())
			}
		}
	}
	t := now()
	rec := record{Revision: rev, Updated: t, FirstDeploy: t, Status: "deployed",
		Chart: c.meta.Name + "-" + c.meta.Version, ChartName: c.meta.Name, ChartVersion: c.meta.Version,
		AppVersion: c.meta.AppVersion, Manifest: manifest, Notes: out.notes, Config: user}
	if !install {
		rec.FirstDeploy = recs[0].FirstDeploy
	}
	previous := ""
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Status == "deployed" {
			previous = recs[i].Manifest
			break
		}
	}
	err = apply(o, name, manifest, previous)
	if err == nil && o.wait {
		err = waitFor(o, manifest)
	}
	if err != nil {
		// A failed revision is recorded and the deployed one stays deployed, as in Helm 3's failRelease.
		rec.Status = "failed"
		if install {
			rec.Description = fmt.Sprintf("Release %q failed: %v", name, err)
		} else {
			rec.Description = fmt.Sprintf("Upgrade %q failed: %v", name, err)
		}
		if serr := saveRecords(o.namespace, name, append(recs, rec)); serr != nil {
			return serr
		}
		return errors.New(failPrefix + err.Error())
	}
	rec.Description = "Upgrade complete"
	if install {
		rec.Description = "Install complete"
	}
	supersedeDeployed(recs)
	if err := saveRecords(o.namespace, name, append(recs, rec)); err != nil {
		return err
	}
	if !install {
		fmt.Fprintf(stdout, "Release %q has been upgraded. Happy Helming!\n", name)
	}
	printStatus(stdout, name, o.namespace, rec)
	return nil
}

// existingRelease reads the revisions of the release that `command` names, oldest first; a release without
// any is Helm's "release: not found".
func existingRelease(o *options, command string) (string, []record, error) {
	if err := needArgs(o, 1, command); err != nil {
		return "", nil, err
	}
	name := o.positional[0]
	recs, err := loadRecords(o.namespace, name)
	if err != nil {
		return "", nil, err
	}
	if len(recs) == 0 {
		return "", nil, errors.New("release: not found")
	}
	return name, recs, nil
}

func cmdRollback(o *options, stdout io.Writer) error {
	name, recs, err := existingRelease(o, "rollback")
	if err != nil {
		return err
	}
	current := recs[len(recs)-1]
	target := 0
	if len(o.positional) > 1 {
		if target, err = strconv.Atoi(o.positional[1]); err != nil {
			return fmt.Errorf("invalid revision number %q: %v", o.positional[1], err)
		}
	}
	// Revision 0 or none is "the previous one" (current - 1), whatever its status: Helm does the same.
	if target == 0 {
		target = current.Revision - 1
	}
	var from *record
	for i := range recs {
		if recs[i].Revision == target {
			from = &recs[i]
		}
	}
	if target <= 0 || from == nil {
		return errors.New("release: not found")
	}
	previous := ""
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Status == "deployed" {
			previous = recs[i].Manifest
			break
		}
	}
	t := now()
	rec := *from
	rec.Revision, rec.Updated, rec.FirstDeploy = current.Revision+1, t, recs[0].FirstDeploy
	rec.Description = fmt.Sprintf("Rollback to %d", target)
	rec.Status = "deployed"
	err = apply(o, name, from.Manifest, previous)
	if err == nil && o.wait {
		err = waitFor(o, from.Manifest)
	}
	if err != nil {
		rec.Status = "failed"
		rec.Description = fmt.Sprintf("Rollback %q failed: %v", name, err)
		if serr := saveRecords(o.namespace, name, append(recs, rec)); serr != nil {
			return serr
		}
		return err
	}
	supersedeDeployed(recs)
	if err := saveRecords(o.namespace, name, append(recs, rec)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Rollback was a success! Happy Helming!")
	return nil
}

// historyEntry is Helm's `helm history -o json` element (cmd/helm/history.go releaseInfo).
type historyEntry struct {
	Revision    int    `json:"revision"`
	Updated     string `json:"updated"`
	Status      string `json:"status"`
	Chart       string `json:"chart"`
	AppVersion  string `json:"app_version"`
	Description string `json:"description"`
}

func cmdHistory(o *options, stdout io.Writer) error {
	_, recs, err := existingRelease(o, "history")
	if err != nil {
		return err
	}
	if len(recs) > o.max && o.max > 0 {
		recs = recs[len(recs)-o.max:]
	}
	entries := make([]historyEntry, len(recs))
	for i, r := range recs {
		entries[i] = historyEntry{r.Revision, r.Updated, r.Status, r.Chart, r.AppVersion, r.Description}
	}
	if o.output == "json" {
		raw, err := json.Marshal(entries)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(raw))
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintln(w, "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION")
	for _, e := range entries {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Revision, humanTime(e.Updated), e.Status, e.Chart,
			e.AppVersion, e.Description)
	}
	return w.Flush()
}

func humanTime(rfc string) string {
	t, err := time.Parse(time.RFC3339Nano, rfc)
	if err != nil {
		return rfc
	}
	return t.Format(time.ANSIC)
}

func printStatus(w io.Writer, name, ns string, r record) {
	fmt.Fprintf(w, "NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: %s\nREVISION: %d\nTEST SUITE: None\n",
		name, humanTime(r.Updated), ns, r.Status, r.Revision)
	if strings.TrimSpace(r.Notes) != "" {
		fmt.Fprintf(w, "NOTES:\n%s\n", strings.TrimSpace(r.Notes))
	}
}

func cmdStatus(o *options, stdout io.Writer) error {
	name, recs, err := existingRelease(o, "status")
	if err != nil {
		return err
	}
	r := recs[len(recs)-1]
	if o.output != "json" {
		printStatus(stdout, name, o.namespace, r)
		return nil
	}
	// The shape of Helm's release JSON (name, info, chart.metadata, config, manifest, version, namespace).
	out := map[string]interface{}{
		"name": name,
		"info": map[string]interface{}{"first_deployed": r.FirstDeploy, "last_deployed": r.Updated,
			"deleted": "", "description": r.Description, "status": r.Status, "notes": r.Notes},
		"chart": map[string]interface{}{"metadata": map[string]interface{}{"name": r.ChartName,
			"version": r.ChartVersion, "appVersion": r.AppVersion, "apiVersion": "v2"}},
		"config":    r.Config,
		"manifest":  r.Manifest,
		"version":   r.Revision,
		"namespace": o.namespace,
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(raw))
	return nil
}
