package entra

import (
	"net/url"
	"strings"
)

// Cloud is an Entra ID instance with its Graph endpoint.
type Cloud struct {
	Name          string // stored value and form value
	Label         string
	AuthorityHost string
	GraphURL      string
}

// Cloud names. CloudDefault uses the configured authority host and Graph URL
// (CONNECT_AUTHORITY_HOST / CONNECT_GRAPH_URL: Microsoft's global cloud
// unless configured otherwise); CloudCustom takes both from the form.
const (
	CloudDefault = "default"
	CloudUSGov   = "usgov"
	CloudChina   = "china"
	CloudCustom  = "custom"
)

// NationalClouds are Microsoft's other instances, with their own hosts.
var NationalClouds = []Cloud{
	{Name: CloudUSGov, Label: "US Government (GCC High, DoD)", AuthorityHost: "https://login.microsoftonline.us", GraphURL: "https://graph.microsoft.us"},
	{Name: CloudChina, Label: "China (operated by 21Vianet)", AuthorityHost: "https://login.chinacloudapi.cn", GraphURL: "https://microsoftgraph.chinacloudapi.cn"},
}

// microsoftAuthorityHosts are on MSAL's list of known instances; any other
// host needs instance discovery off (it would otherwise be sent to
// login.microsoftonline.com, which fails without internet).
var microsoftAuthorityHosts = map[string]bool{
	"login.microsoftonline.com": true, "login.microsoft.com": true, "sts.windows.net": true,
	"login.windows.net": true, "login.microsoftonline.us": true, "login.chinacloudapi.cn": true,
}

func isMicrosoftAuthority(authorityHost string) bool {
	u, err := url.Parse(authorityHost)
	return err == nil && microsoftAuthorityHosts[strings.ToLower(u.Host)]
}

// GraphScope is the ".default" scope of the Graph resource a URL serves.
// National clouds have their own resource IDs; a proxy or an emulator in
// front of Graph still serves the global resource.
func GraphScope(graphURL string) string {
	u, err := url.Parse(graphURL)
	if err == nil {
		switch strings.ToLower(u.Host) {
		case "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn":
			return "https://" + strings.ToLower(u.Host) + "/.default"
		}
	}
	return "https://graph.microsoft.com/.default"
}
