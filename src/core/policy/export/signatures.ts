/**
 * How the detection engine's signature libraries (src/core/detect/signatures.ts) are enforced
 * outside it. Simulation runs the libraries themselves; an enforcer needs its own form: the
 * native operator where the enforcer has one (libinjection's @detectSQLi/@detectXSS in
 * ModSecurity, SqliMatch/XssMatch in AWS WAF), else one regex per library.
 *
 * The regexes are a condensed, enforcer-portable subset of each library: they run on the
 * URL-decoded, lower-cased value and use only syntax PCRE, RE2 (Coraza, OPA, Go) and AWS WAF
 * all accept (no lookaround, no backreferences, no capturing groups). They catch fewer evasions
 * than the libraries: test/core/policy/signature-exports.test.ts checks each against its
 * library's test payloads (never a look-alike the library lets through) and pins what it catches.
 */

export interface SignatureExport {
  library: string;
  /** Portable regex over the URL-decoded, lower-cased value. */
  regex: string;
  /** Native ModSecurity operator when libinjection covers the library. */
  modsecurity?: '@detectSQLi' | '@detectXSS';
  /** Native AWS WAF statement when there is one. */
  awsWaf?: 'SqliMatchStatement' | 'XssMatchStatement';
}

const EXPORTS: SignatureExport[] = [
  {
    library: 'sqli',
    modsecurity: '@detectSQLi',
    awsWaf: 'SqliMatchStatement',
    regex: String.raw`\bunion[\s(]+(?:all\s+|distinct\s+)?select\b|['"\x60)]\s*(?:or|and|xor)\s+['"]?\w*['"]?\s*(?:=|<>|!=|<|>|\blike\b)|\b(?:or|and)\s+\d+\s*=\s*\d+|\b(?:sleep|pg_sleep|benchmark)\s*\(\s*['"\d]|\bwaitfor\s+(?:delay|time)\s+'|\binformation_schema\b|\bsqlite_master\b|;\s*(?:drop|truncate|delete|insert|update|alter|exec)\s+\w+|['"\x60]\s*(?:;|\))?\s*(?:--|#|/\*)`,
  },
  {
    library: 'xss',
    modsecurity: '@detectXSS',
    awsWaf: 'XssMatchStatement',
    regex: String.raw`<\s*/?\s*script\b|\b(?:java|vb)script\s*:|<[a-z][^>]*[\s/"']on[a-z]{3,}\s*=|<\s*(?:iframe|frame|object|embed|svg|math|meta|base)\b|<\s*img\b[^>]*\bsrc\s*=|\bdocument\.(?:cookie|domain|write)|\balert\s*\(|\bstring\.fromcharcode\s*\(`,
  },
  { library: 'nosqli', regex: String.raw`(?:^|[\[{"',\s])\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|expr|or|and|not|nor|elemmatch)\b|\bdb\.[\w$]+\.(?:find|findone|insert|remove|drop|update)\s*\(` },
  {
    library: 'cmd',
    regex: String.raw`(?:[;&|\x60\n]|\$\()\s*(?:/(?:usr/)?s?bin/)?(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ping|nslookup|rm|chmod|echo|python[23]?|perl|php|ruby|powershell|cmd|ifconfig|ipconfig|netstat|sleep)(?:\s+[-/\w.$"'{]|\s*$|\s*[;|&\x60<>])|\$\(\s*[a-z/]+[^)]*\)|\x60\s*[a-z/]+[^\x60]*\x60|/bin/(?:ba|z|k|da)?sh\b|\$\{ifs\}|\bcmd(?:\.exe)?\s*/[ck]\b|\b(?:wget|curl)\s+(?:-\w+\s+)*https?://`,
  },
  {
    library: 'traversal',
    regex: String.raw`(?:^|[\\/=:;,'"\s])\.{2,}(?:[\\/]|$)|[\\/]\.{2,}(?:[\\/;]|$)|(?:^|[\\/])(?:etc/(?:passwd|shadow|group|hosts)|proc/self/(?:environ|cmdline|fd))\b|\b(?:win|boot)\.ini\b|\x00`,
  },
  {
    library: 'ssti',
    regex: String.raw`\{\{[^{}]*(?:\d+\s*[*+\-/%]\s*\d+|__class__|__mro__|__globals__|__builtins__|\bconfig\b|\bself\b|request\.|\.constructor)[^{}]*\}\}|\$\{\s*\d+\s*[*+]\s*\d+\s*\}|#\{\s*\d+\s*[*+]\s*\d+\s*\}|<%=?\s*\d+\s*[*+]\s*\d+\s*%>|\{%\s*(?:import|include|for|if|set|debug|extends)\b[^%]*%\}|__(?:class|mro|subclasses|globals|builtins|init)__`,
  },
  { library: 'jndi', regex: String.raw`\$\{\s*jndi\s*:|\$\{[^}]{0,120}\$\{\s*(?:lower|upper|env|sys|::-|date|java|base64)\b|\$\{[^}]{0,80}(?:ldaps?|rmi|dns|iiop|corba)\s*:\s*//` },
  {
    library: 'code',
    regex: String.raw`<\?(?:php|=)|\b(?:php|phar|expect|glob|zlib|compress\.zlib)://|\b(?:system|passthru|shell_exec|popen|proc_open|pcntl_exec|eval|assert|create_function|base64_decode|file_get_contents|file_put_contents|unserialize|phpinfo)\s*\(|\$_(?:get|post|request|cookie|server|files|env|session)\b|__proto__|\bconstructor\s*(?:\.|\[\s*['"]?)prototype\b|\bchild_process\b|\bprocess\.(?:mainmodule|binding)\b|\b(?:__import__|os\.system|os\.popen)\s*\(|\bjava\.lang\.runtime\b|\bruntime\.getruntime\b|\bprocessbuilder\b`,
  },
  // Not Content-Type: every multipart body has it after a line break, and enforcers see those raw.
  { library: 'crlf', regex: String.raw`[\r\n]\s*(?:set-cookie|location|refresh|content-length|transfer-encoding|http/\d(?:\.\d)?\s+\d{3})\s*[:\s]` },
  { library: 'ldap', regex: String.raw`(?:^|\n)[^()\n]*\)+[ \t]*[(|&!][ \t(|&!]*(?:$|\n|\)|[\w*-]+[ \t]*[~<>]?=)` },
  { library: 'rfi', regex: String.raw`^(?:https?|ftps?)://(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?/\S*|^(?:https?|ftps?)://\S+\.(?:php|phtml|txt|inc|sh|pl|py|jsp|asp)\??$` },
  {
    library: 'ssrf',
    regex: String.raw`^\s*(?:file|gopher|dict|ldaps?|ftps?|tftp|jar|netdoc|expect|sftp|smb|phar|jdbc):|^\s*(?:https?:)?//(?:[^/@?#]*@)?(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|0|10(?:\.\d{1,3}){3}|169\.254(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|\[::1?\]|\[::ffff:[0-9a-f.:]+\]|metadata(?:\.google\.internal)?|instance-data|[\w.-]+\.(?:internal|local|localhost))(?::\d+)?(?:[/?#]|$)`,
  },
  {
    library: 'scanner-ua',
    regex: String.raw`\b(?:nikto|sqlmap|nmap|masscan|zgrab|nuclei|acunetix|netsparker|wpscan|dirbuster|gobuster|dirb|ffuf|feroxbuster|wfuzz|havij|arachni|w3af|openvas|nessus|qualys|jaeles|whatweb|commix|hydra|medusa|skipfish|paros|webinspect|appscan|zmeu|morfeus|interactsh|jorgee|zaproxy|xsstrike|dotdotpwn|fimap|joomscan|droopescan)\b|nmap scripting engine|fuzz faster u fool`,
  },
  {
    library: 'probe-path',
    regex: String.raw`(?:^|/)(?:\.env(?:\.\w+)?|\.git/(?:config|head|index)|\.svn/entries|\.hg/|\.ds_store|\.htaccess|\.htpasswd|\.aws/credentials|\.ssh/|wp-admin(?:/|$)|wp-login\.php|wp-content/plugins(?:/[\w-]+)*(?:/|/[\w.-]*\.(?:php|txt))?$|wp-includes|xmlrpc\.php|wp-config\.php|phpmyadmin|phpinfo\.php|actuator(?:/|$)|server-status|server-info|cgi-bin/|vendor/phpunit|solr/admin|jmx-console|manager/html|(?:backup|db|dump|database)\.(?:zip|sql|tar\.gz|tgz|bak)|shell\.php|id_rsa)`,
  },
  {
    library: 'credential-in-url',
    regex: String.raw`(?:^|[?&;])(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|id[_-]?token|refresh[_-]?token|password|passwd|pwd|secret|client[_-]?secret|private[_-]?key|jwt|api[_-]?secret)=[^&\s]{4,}|\beyj[a-z0-9_-]{8,}\.eyj[a-z0-9_-]{8,}\.|\b(?:akia|asia)[0-9a-z]{16}\b`,
  },
];

const BY_LIBRARY = new Map(EXPORTS.map((x) => [x.library, x]));

/** The enforcer form of a library, or null when it has none (response-side libraries). */
export function signatureExport(library: string): SignatureExport | null {
  return BY_LIBRARY.get(library) ?? null;
}

export const EXPORTED_LIBRARIES: readonly string[] = EXPORTS.map((x) => x.library);
