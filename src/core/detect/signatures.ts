/**
 * Signature and pattern libraries rules refer to by name (`signature: sqli`). Each library tests
 * one value (a query value, a header, a body leaf…) and returns the matching snippet or null.
 * Injection libraries see every decoded form of the value (decode.ts); the others see it as is.
 * Patterns favour precision: each needs syntax an attacker needs, not a lone keyword.
 */
import ipaddr from 'ipaddr.js';
import { base64Decode, decodeVariants, hasReadableBase64 } from './decode.ts';

export interface SignatureLibrary {
  readonly name: string;
  /** Position in SIGNATURE_LIST (views keep per-library results in arrays). */
  readonly index: number;
  readonly description: string;
  /** Whether the value is decoded (URL, double URL, unicode, HTML, base64) before testing. */
  readonly decode: boolean;
  /** Cheap pre-check on the raw value; values failing it are skipped (speed). */
  readonly hint: RegExp | null;
  test(value: string, name: string | null): string | null;
}

function anyOf(patterns: RegExp[]): (v: string) => string | null {
  return (v) => {
    for (const p of patterns) {
      const m = p.exec(v);
      if (m) return m[0];
    }
    return null;
  };
}

const SQLI = anyOf([
  /\bunion\b[\s(]+(?:all\s+|distinct\s+)?\(?\s*select\b/i,
  /['"`)]\s*(?:or|and|xor|\|\||&&)\s*\(?\s*['"`]?[\w@.]*['"`]?\s*(?:=|<>|!=|<=?|>=?|\blike\b|\bis\b|\bin\b|\bregexp\b)/i,
  /['"`)]\s*(?:or|and|\|\||&&)\s+(?:not\s+)?(?:\d+|true|false|null|[\w.]+\s*\()/i,
  /\b(?:or|and)\s+(\d+)\s*=\s*\1\b/i,
  /\b(?:or|and)\s+(['"])(\w*)\1\s*=\s*\1\2\1/i,
  /\b(?:sleep|pg_sleep|benchmark|dbms_pipe\.receive_message|dbms_lock\.sleep)\s*\(\s*[\d'"]/i,
  /\bwaitfor\s+(?:delay|time)\s+['"]/i,
  /['"`]\s*(?:;|\)\s*;?)?\s*(?:--|#|\/\*)/,
  /\binformation_schema\b|\bsys(?:objects|columns|users)\b|\bmysql\.user\b|\bpg_(?:shadow|user|tables)\b|\bsqlite_master\b/i,
  /\b(?:extractvalue|updatexml|load_file|utl_http\.request|xp_cmdshell)\s*\(/i,
  /\binto\s+(?:out|dump)file\b/i,
  /;\s*(?:drop|truncate|delete|insert|update|alter|create|exec|execute|shutdown|declare)\s+(?:table|from|into|database|\w+\s*(?:set|\())/i,
  /\bexec(?:ute)?\s+(?:master\.\.)?(?:xp|sp)_\w+/i,
  /\border\s+by\s+\d+\s*(?:--|#|\/\*)/i,
  /\bselect\b[\s(]+(?:[\w*@(),.]+\s*,?\s*)+\bfrom\b[\s(]+[\w.]+/i,
  /\b(?:char|chr|concat|ascii|substring|group_concat)\s*\(\s*(?:\d+\s*,\s*)*\d+\s*\)\s*(?:\|\||\+|,)/i,
]);

/** A value made only of words and spaces cannot carry SQL syntax we look for (speed gate). */
const SQLI_HINT = /['"`;()#=]|--|\/\*|\bunion\b|\bselect\b|\bsleep\b|\bwaitfor\b|information_schema|\bxp_/i;

const NOSQLI = anyOf([
  /(?:^|[[{"',\s])\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|expr|or|and|not|nor|elemMatch|function|accumulator|lookup)\b/,
  /\[\s*\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists)\s*\]/,
  /\bdb\.[\w$]+\.(?:find|findOne|insert|remove|drop|update)\s*\(/,
  /['"]\s*;\s*return\s+(?:true|1|this\b)/,
  /\bthis\.\w+\s*(?:==|!=|\.match\()/,
]);

/**
 * LDAP filter injection: a value that closes the application's filter and opens its own —
 * text, then `)`, then `(`, `|`, `&` or `!` and a filter item, an operator or the end
 * (`*)(uid=*))(|(uid=*`, `admin)(|`, `x)!(sn=*`). A value that is a whole filter (`(&(a=b)(c=d))`)
 * or prose with brackets (`a) (b`) does not close anything first.
 */
const LDAP = anyOf([/(?:^|\n)[^()\n]*\)+[ \t]*[(|&!][ \t(|&!]*(?:$|\n|\)|[\w*-]+[ \t]*[~<>]?=)/]);

const XSS = anyOf([
  /<\s*\/?\s*script\b/i,
  /\b(?:java|vb|live)script\s*:/i,
  /\bdata\s*:\s*text\/html\b/i,
  /<[a-z][^>]*?[\s/"']on[a-z]{3,}\s*=/i,
  /[\s"'/;]on(?:error|load|mouseover|mouseenter|focus|blur|click|toggle|animationstart|begin|pageshow|wheel|pointer\w+|key\w+)\s*=\s*[^\s=]/i,
  /<\s*(?:iframe|frame|frameset|object|embed|applet|meta|base|svg|math|link|style|form|isindex|marquee|details)\b[^>]*>?/i,
  /<\s*img\b[^>]*\bsrc\s*=/i,
  /\b(?:document\.(?:cookie|domain|write|location)|window\.location|alert\s*\(|prompt\s*\(|confirm\s*\(|String\.fromCharCode\s*\()/i,
  /\bexpression\s*\(|\burl\s*\(\s*['"]?\s*javascript:/i,
]);

const CMD_WORDS =
  'cat|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|dash|csh|ping|nslookup|dig|ps|rm|chmod|chown|echo|printf|python[23]?|perl|php|ruby|lua|node|telnet|ssh|scp|ftp|tftp|powershell|pwsh|cmd|ifconfig|ipconfig|netstat|sleep|head|tail|more|less|base64|xxd|sudo|su|kill|crontab|env|set|systeminfo|tasklist|net|reg|certutil|bitsadmin|nohup|busybox|awk|sed|find|grep|whoami\\.exe|cmd\\.exe|hostname|useradd|passwd|vim?|gdb|c89|c99|gcc|flock|cpulimit|timeout|strace|ltrace|xargs|tar|unzip|gzip|openssl|socat|mkfifo|mknod|nmap|sftp|rsync|tclsh|irb|jjs|jrunscript|rlwrap|sqlite3|mysql|psql|who|top|htop|date|time|cp|mv|ex|ll|dir|type|copy|del|rmt|perf|comm|fold|column|bridge|base32|gunzip|zcat|unxz|zstdcat|bsdtar|trap|at|cd|chdir|pushd|popd|mshta|regedit|bcdboot|aptitude|lastlog|lastlogin|visudo|cscli|pip[3x]?|shutdown|reboot';
/** Commands that are no English word: the command alone, at the start of a value or after a separator, is a command line. */
const CMD_STRONG =
  'whoami|ifconfig|ipconfig|uname|nslookup|netstat|visudo|cscli|systeminfo|tasklist|certutil|bitsadmin|zstdcat|gunzip|unxz|bsdtar|busybox|ansible(?:-[a-z]+)?|chef-[a-z]+|htop|aptitude|regedit|mshta|bcdboot|ssh-copy-id|useradd|adduser|usermod|iptables|tcpdump|ncat|socat|lwp-download|rmt-[a-z]+|pip[3x]|python\\d(?:\\.\\d+)?|setsid|ifup|ifdown|aa-[a-z]+|pip[3x]?\\s+(?:install|download|uninstall)';
/** What follows a command word for it to read as a command line: an option, a path, a variable, an address, a redirection or the end (not `)`: `(…; U; id)` closes a user agent's comment on its language, `$(id)` has its own pattern). */
const CMD_ARGS = `(?:\\s+(?:[-+]{1,2}[a-z]|['"]|[~.]{0,2}/|\\$|\\d{1,3}(?:\\.\\d{1,3}){3}\\b|[a-z]+://|[<>])|\\s*(?:$|[;|&\`<>]))`;
/** The same argument shapes, without the end of the value. */
const CMD_ARG = `\\s+(?:[-+]{1,2}[a-z]|['"]|[~.]{0,2}/|\\$|\\d{1,3}(?:\\.\\d{1,3}){3}\\b|[a-z]+://|[<>])`;
const CMD_PATH = '(?:/?(?:usr/)?(?:s?bin|local/bin)/)?';
/** Wrappers that run the command after them: `time sh -c …`, `nohup curl …`, `flock -u / whoami`. */
const CMD_WRAPPER = '(?:(?:time|nohup|strace|ltrace|sudo|nice|exec|setsid|stdbuf|timeout\\s+\\d+)\\s+(?:-\\S+\\s+)*|flock\\s+(?:-\\S+\\s+)*\\S+\\s+|cpulimit\\s+(?:-\\S+\\s+(?:\\d+\\s+)?)*)';
const CMD_PATTERNS = [
  // A command at the start of the value or after ; & | or a line break, shaped like a command line.
  // A distinctive command may take a Windows switch straight after its name (`&bcdboot/r x`, `&ipconfig/all`).
  new RegExp(`[;&|\\n\\r][ \\t]*${CMD_PATH}(?:(?:${CMD_STRONG})(?=\\s|$|[;|&\`)<>]|\\/[a-z?][\\w:-]*(?:\\s|$))|(?:${CMD_WORDS})${CMD_ARGS})`, 'i'),
  // At the start of a value (or of a `name=value` inside one) a common word needs a real argument (`date` or `cat toys` alone is text).
  new RegExp(`(?:^|=)\\s*${CMD_PATH}(?:(?:${CMD_STRONG})(?=\\s+\\S|\\s*[;|&\`)<>])|(?:${CMD_WORDS})${CMD_ARG})`, 'i'),
  new RegExp(`=\\s*${CMD_PATH}(?:${CMD_STRONG})\\s*(?:$|[&\\n])`, 'i'),
  // After && || backticks or $( anything command-like will do.
  new RegExp(`(?:&&|\\|\\||\`|\\$\\()\\s*${CMD_PATH}(?:${CMD_WORDS}|${CMD_STRONG})(?:\\s+[-/\\w.$"'{]|\\s*$|\\s*[;|&\`)<>])`, 'i'),
  new RegExp(`(?:^|[;&|\\n\\r])[ \\t]*${CMD_WRAPPER}${CMD_PATH}(?:${CMD_WORDS}|${CMD_STRONG})(?=\\s|$|[;|&<>])`, 'i'),
  /\$\(\s*[a-z/]+[^)]*\)/i,
  /`\s*(?:[a-z/]+)(?:\s+[^`]*)?`/i,
  /\$\{IFS\}|\$IFS\b|\{\s*(?:cat|ls|id|echo),/i,
  /\/(?:usr\/)?bin\/(?:ba|z|k|da|c)?sh\b/i,
  // A here-string fed to a command: `gcc10.1<<<'void main(){}'`, `bash <<< "id"` (`Back <<< Next` is a label).
  new RegExp(`(?:^|[;&|\\n])[ \\t]*${CMD_PATH}(?:${CMD_WORDS}|${CMD_STRONG})[\\w.-]*[ \\t]*<<<[ \\t]*\\S`, 'i'),
  // Parameter expansion with a pattern operator: ${x#…}, ${PATH%…}, ${v/a/b}, ${v^^}, ${v,,}
  /\$\{[a-z_]\w*(?:##?|%%?|\/\/?|\^\^?|,,?)[^}\n]{0,40}\}/i,
  /\b(?:cmd(?:\.exe)?\s*\/[ck]\b|powershell(?:\.exe)?\s+-\w+)/i,
  /\b(?:wget|curl)\s+(?:-\w+\s+)*https?:\/\//i,
  /(?:^|[;&|\n\r])[ \t]*(?:curl|wget|ping|nc|ncat|telnet|ssh|ftp|nslookup|dig)\s+(?:-\w+\s+)*(?:[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}|localhost)(?:[:/\s]|$)/i,
  // SQLite shell dot-commands after a statement: `1;.shell whoami`, `;\n.databases`
  /(?:^|[;\n])[ \t]*\.[ \t]*(?:shell|system|sh|databases|tables|dump|read|import|output|once|load|open|schema|cd)\b/i,
  // at(1) jobs: `;at 2:00 "echo test"`
  /[;&|\n][ \t]*at\s+(?:\d{1,2}:\d{2}|now\b|midnight\b|noon\b)/i,
  />\s*\/(?:tmp|dev\/(?:tcp|udp))\//i,
  /\|\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ping|sleep|echo|sh|bash)\b/i,
  /\$\{?(?:SHELL|BASH|0)\}?\s+-c\b/,
  // PowerShell download-and-run idioms.
  /(?:^|[;&|(`\s])(?:iex|iwr|iwmi|icm|invoke-(?:webrequest|expression|restmethod|wmimethod|command)|start-process|new-object\s+(?:system\.)?net\.webclient)\b/i,
  /\.downloadstring\s*\(|\bfrombase64string\s*\(/i,
  // Shell globbing used to dodge keyword filters: /etc/pa[s]swd, /bi?/sh, /[e]tc/, /???/?s, /et*/*wd, also inside a brace
  // expansion ({/?s?/?i?/c?t,}); not a `?` opening a URL query (/search?q=1) nor a regex class before a quantifier (/[a-z]{1,5}/)
  /(?:^|[\s;|&=<>({])\/[\w.-]*(?:\[[^\]\s]{1,12}\](?![{+])|\?(?![\w.-]*=))[\w.?[\]/-]*/,
  /(?:^|[\s;|&=])\/(?:[\w.-]+\/)+[\w.-]*(?:\[[^\]\s]{1,12}\](?![{+])|\?(?![\w.-]*=))/,
  /(?:^|[\s;|&=<>(])\/(?:(?=[a-z*]{0,3}\?)[a-z?*]{3,4}|[a-z]{2,3}\*|\*[a-z]{2,3})\//i,
  // Brace expansion builds a command line without spaces: {cat,/etc/passwd}, {,ip,a}, {l,-lh}s, c{a,oun}t
  /\{,[^\s{}]+\}|\{[^\s{},]+,-[^\s{}]*\}|[a-z]\{[a-z]+,[a-z,]*\}[a-z]/i,
  // Arithmetic and process substitution: $((…)), <(cmd), $[2+2]
  /\$\(\(|[<>]\(\s*[a-z]|\$\[\s*\d/i,
  // Bash function definitions: Shellshock `() {` and fork bombs `:(){ :|:& };:`
  /^\s*\(\s*\)\s*\{|(?:^|[;\s])([\w:.]+)\s*\(\s*\)\s*\{[^}]{0,80}?\1(?:\(\))?\s*[|&]/,
  // A variable run as the command (`a=/etc&&c=cat&&$c $a`, `x;$garb pizza`, `;$c1$c2$c3` spelling one), or aliased to one.
  /(?:[;\n]|&&|\|\|)[ \t]*(?:\$\{?[a-z_]\w*\}?)+(?=\s|$)/i,
  /(?:^|[;&|\n][ \t]*)alias\s+(?:[-+]\w+\s+)*['"]?[^\s='"]+['"]?=/i,
  // Windows batch: FOR [/D|/R path|/L|/F "opts"] %x IN (set) DO command; IF [/I] [NOT] condition command
  /\bfor\s+(?:\/[dlrf]\s+(?:"[^"]*"\s+|[a-z]:\\\S*\s+)?)*%{1,2}[^\s%]{0,20}\s+in\s*\([^)]*\)\s*do\b/i,
  /\bif(?:\s*\/i)?\s+(?:not\s+)?(?:(?:exist|defined)\s+\S+\s+(?:\(|@?(?:echo|cmd|set|goto|call|exit|del|copy|move|start|type|dir|cd|rem|ren|md|rd|mkdir|rmdir|pushd|popd|shift|setlocal|endlocal|for|if|pause|cls)\b)|(?:errorlevel|cmdextversion)\s+\d+\s+\S|(?:"[^"]{0,40}"|[^\s=]+)\s*==+\s*(?:"[^"]{0,40}"|\S+)\s+\S|\S+\s+(?:equ|neq|lss|leq|gtr|geq)\s+\S+\s+\S)/i,
];
const CMD_RAW = anyOf(CMD_PATTERNS);
/** A distinctive command as the whole value of a named field (`code=visudo`); a path segment naming one is a page (`/tags/iptables`). */
const CMD_ALONE = new RegExp(`^\\s*${CMD_PATH}(?:${CMD_STRONG})\\s*$`, 'i');
/** A program in a system binary directory as a named field's value (`cmd=/bin/ab`, `/usr/sbin/sendmail -t`); a URL path may be `/bin/…`. */
const BIN_VALUE = /^\s*\/(?:usr\/(?:local\/)?)?s?bin\/[a-z][\w.+-]*(?=\s|$)/i;

function cmdNamed(v: string): string | null {
  return CMD_ALONE.exec(v)?.[0] ?? BIN_VALUE.exec(v)?.[0] ?? null;
}

/**
 * Shell quoting and empty expansions removed, as the shell would read the word: 'i'fconfig,
 * w\ho''ami, c$@at, ca$u /et$_c, sh$XX -c, pi$()ng, pi``ng, ""p""y""t""h""o""n"".
 */
const SHELL_NOISE = /\$(?:[@*!?_#$-]|\{\w{0,8}\}|\(\s*\)|[a-z]\w{0,15}(?![\w{(]))|``|[<>]\(\s*\)|\\(?=[\w/\\'"])|\\\\|['"^]/gi;

function cmd(v: string, name: string | null): string | null {
  const hit = CMD_RAW(v) ?? (name !== null ? cmdNamed(v) : null);
  if (hit !== null || !/[$`<>\\'"^]/.test(v)) return hit;
  const folded = v.replace(SHELL_NOISE, '');
  return folded === v ? null : (CMD_RAW(folded) ?? (name !== null ? cmdNamed(folded) : null));
}

/** Cheap pre-check: every CMD pattern needs one of these (a separator, shell syntax, or a command word at the start). */
const CMD_HINT = new RegExp(String.raw`[;&|\`$\n\r<>{}[?*\\'"^]|bin/|cmd|powershell|wget|curl|invoke-|\b(?:iex|iwr|iwmi|icm|if|alias)\b|start-process|new-object|downloadstring|frombase64string|%[^\s%]*\s+in\s*\(|(?:^|=)\s*${CMD_PATH}(?:${CMD_WORDS}|${CMD_STRONG})\b|^\s*${CMD_WRAPPER}`, 'i');

const TRAVERSAL = anyOf([
  /(?:^|[\\/=:;,'"\s])\.{2,}(?:[\\/]|$)/,
  /[\\/]\.{2,}(?:[\\/;]|$)/,
  // Tomcat path parameters on a dot-dot segment: `..;/`, `..;x/`, `..;.\`
  /\.\.;[^\\/\s;]{0,16}[\\/]/,
  /(?:0x2e|0x5c|0x2f){1,2}(?:\.|0x2e|0x5c|0x2f|%00|\/)/i,
  /(?:^|(?<!:\/\/)[\\/])(?:etc\/(?:passwd|shadow|group|hosts|issue|hostname|subuid|subgid|sudoers|crontab|fstab|mtab|resolv\.conf|profile|environment|apache2|nginx|httpd|mysql|ssh\/|security\/|master\.passwd|motd|inittab|sysconfig|php)|proc\/(?:self|version|cpuinfo|meminfo|interrupts|net|mounts|sys|\d+|cmdline|environ|kcore|partitions|modules|sched_debug|stat)|sys\/(?:class|kernel|devices|block|bus|module|firmware|fs|power)|var\/log\/|windows\\(?:win\.ini|system32)|boot\.ini|win\.ini)\b/i,
  // Credentials and configuration in hidden files: ~/.ssh/id_rsa, .aws/credentials, .docker/secrets, .kube/config, shell histories.
  /(?:^|[\\/=\s])\.(?:ssh\/(?:id_\w+|authorized_keys|known_hosts|config)|aws\/(?:credentials|config)|docker\/(?:config\.json|secrets)|kube\/config|(?:bash|zsh|mysql|psql|python)_history|npmrc|netrc|pgpass|git-credentials|boto|s3cfg)\b/i,
  // Dev-server file reads (Vite /@fs/, /@id/) and logs or database dumps left in the web root.
  /(?:^|\/)@(?:fs|id)\/|(?:^|\/)(?:wp-content\/)?[\w-]*(?:debug|errors?)\.log$|\.sql\.(?:zip|gz|bz2|xz|7z|tar)\b/i,
  /\b[a-z]:\\(?:windows|winnt|inetpub|boot\.ini)/i,
  /\x00/,
]);

/** Hidden tool directories and ignore files (/.claude/settings.json, /.cursorignore), not /.well-known/. */
const HIDDEN_FILE = /(?:^|\/)\.(?!well-known\b)[a-z][\w-]*\/[\w.-]|(?:^|\/)\.[a-z]*ignore$/i;

function traversal(v: string): string | null {
  const hit = TRAVERSAL(v);
  if (hit !== null) return hit;
  // Scanner probes for well-known hidden files (/.git/config, /.env) are the scanner rules' to report.
  const hidden = HIDDEN_FILE.exec(v);
  return hidden !== null && !PROBE_PATH.test(v) ? hidden[0] : null;
}

const SSTI = anyOf([
  /\{\{[^{}]*?(?:\d+\s*[*+\-/%]\s*\d+|__class__|__mro__|__globals__|__builtins__|__subclasses__|\bconfig\b|\bself\b|request\.|lipsum|cycler|joiner|namespace|range\(|\|attr|_self\.env|\.constructor)[^{}]*\}\}/i,
  /\$\{\s*\d+\s*[*+]\s*\d+\s*\}/,
  /#\{\s*\d+\s*[*+]\s*\d+\s*\}/,
  /<%=?\s*\d+\s*[*+]\s*\d+\s*%>/,
  /<%[=#-]?\s*(?:if|unless|elsif|else|for|while|end\w*|each|import|include|[\w.]+\s*\()\b[^%]{0,200}%>/i,
  /\{%\s*(?:import|include|for|if|set|debug|extends|macro|raw|load)\b[^%]*%\}/i,
  /__(?:class|mro|subclasses|globals|builtins|init)__/,
  /<#assign\b|\bfreemarker\.template\b|\?new\(\)/i,
  /#set\s*\(\s*\$\w+/i,
  /\$\{\s*(?:T\s*\(|\(#|#_memberAccess|@java\.lang|class\.|request\.|session\.|application\.|facesContext|pageContext)/i,
  /%\{\s*\(?#/,
  /@java\.lang\.(?:Runtime|ProcessBuilder|System)\b|#_memberAccess|\bgetRuntime\s*\(\s*\)\s*\.exec\b|\bclass\.module\.classLoader\b|\bclass\.classLoader\b/i,
]);

const JNDI = anyOf([
  /\$\{\s*jndi\s*:/i,
  /\$\{[^}]{0,120}?\$\{\s*(?:lower|upper|env|sys|::-|date|main|ctx|java|base64|k8s|docker|spring|web|bundle|log4j|marker|sd|event)\b/i,
  /\$\{\s*(?:lower|upper|::-)[^}]*\}[^}]*?(?:ndi|:\s*(?:ldap|rmi|dns|iiop))/i,
  /\$\{[^}]{0,80}?(?:ldaps?|rmi|dns|iiop|corba|nds|nis|http)\s*:\s*\/\//i,
  // The lookup's `{` glued on after another lookup supplied the `$`: `${:1337:-x$}{jndi:ldap://…}`
  /\{\s*jndi\s*:\s*(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\s*:/i,
]);

/** PHP functions whose names are no English word: a call to one is PHP code. */
const PHP_FUNCTIONS =
  'call_user_func(?:_array)?|create_function|chr|ord|fsockopen|pfsockopen|gzinflate|gzuncompress|gzdecode|gzopen|bzdecompress|bzopen|zlib_decode|str_rot13|strrev|substr|strtr|sprintf|vsprintf|intval|unpack|crypt|checkdate|symlink|chroot|readlink|serialize|unserialize|filegroup|fileowner|fileperms|phpinfo|phpversion|php_uname|shell_exec|passthru|popen|proc_open|pcntl_exec|escapeshell(?:cmd|arg)|highlight_file|show_source|putenv|getenv|gethostbyname|gethostbynamel|hex2bin|bin2hex|fputcsv|fwrite|fread|fgets|unlink|scandir|opendir|readdir|readfile|fopen|strip_tags|print_r|var_dump|var_export|move_uploaded_file|assert_options|(?:posix|curl|ldap|pg|odbc|sodium|tidy|zend|proc|pcntl|mysqli?|sqlite|openssl|apache|gz|bz|zlib)_\\w+';
/**
 * PHP functions no identifier of another language or English word ends with: a call counts even glued
 * to the text before it (`FOOgzinflate()`, `xcall_user_func(`), as PHP's own filters are evaded.
 */
const PHP_GLUED_FUNCTIONS =
  'call_user_func(?:_array)?|create_function|fsockopen|gzinflate|gzuncompress|gzdecode|bzdecompress|zlib_decode|str_rot13|shell_exec|proc_open|pcntl_exec|passthru|phpinfo|php_uname|escapeshell(?:cmd|arg)|highlight_file|show_source|move_uploaded_file|base64_decode|file_(?:get|put)_contents|assert_options';
/** PHP extension prefixes other languages and filter syntaxes share (`is_active(true)`, `date_range(a,b)`): PHP-shaped arguments only. */
const PHP_COMMON_PREFIX = '(?:array|str|date|file|is|get_defined|get|set|hash|json|xml|filter|session|stream|ob|ini|func|base64|iconv|preg|mb)_\\w+';
/** PHP functions named like English words: a call counts with PHP-shaped arguments only. */
const PHP_WORD_FUNCTIONS = 'system|exec|eval|assert|include|require|include_once|require_once|file|touch|range|pi|copy|rename|glob|mail|header|printf|extract|define|constant|compact|chmod|chown|mkdir|rmdir|dir';
const CODE = anyOf([
  // PHP open tags (`<?php`, `<?=`, `<? echo`, `<?xml:echo`; not `<?xml version`) and forum/Smarty PHP tags.
  /<\?(?:\s*php\b|=|\s*$|xml\s*:|\s*(?:echo|print)\b|\s*\$|\s*[a-z_]\w*\s*\()|[[{][\\/]?php[\]}]/i,
  /\b(?:php|phar|zip|expect|glob|data|zlib|compress\.(?:zlib|bzip2)|ogg|rar|ssh2\.\w+):\/\//i,
  new RegExp(`\\b(?:${PHP_FUNCTIONS})\\s*\\(|\\b(?:${PHP_WORD_FUNCTIONS}|${PHP_COMMON_PREFIX})\\s*\\(\\s*(?:\\)|\\$|['"]|@|$)`, 'i'),
  /\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|eval|include|require|include_once|require_once|preg_replace|base64_decode|file_get_contents|file_put_contents|phpinfo)\s*\(/i,
  new RegExp(`(?:${PHP_GLUED_FUNCTIONS})\\s*\\(`, 'i'),
  // A function name assembled from bare-word pieces and called: (sy.(st).em)('id'); a bracketed piece is required ((v1.2.3)(beta) is text).
  /\(\s*(?:\w+\s*\.\s*)*\(\s*\w+\s*\)(?:\s*\.\s*(?:\(\s*\w+\s*\)|\w+))+\s*\)\s*\(/,
  /\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES|ENV|SESSION)\b/,
  // PHP calls through variables and strings: $a(1), $$b(2), ${'a'}(3), $__['o'](4), $foo->$bar(), ("system")("id"), [system][0](ls), 'sys'.'tem'(…)
  /\$+\s*(?:\{[^{}]{1,40}\}|[a-z_]\w*)(?:\s*(?:\[(?:[^[\]]|\[[^[\]]{0,40}\]){1,40}\]|\{[^{}]{1,40}\}|->\s*\$?\w+|::\s*\$?\w+))*(?:\(|\s+\(\s*(?:\)|\$|['"@\d]))/i,
  // PHP variable variables (`${'a'}`, `${$b}`); `${${lower:j}…` is a Log4j lookup, not PHP.
  /\$\s*\{\s*(?:['"]|\$(?!\{))/,
  /(?:[([{]\s*)+(?:\(\s*string\s*\)\s*)?['"]?(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|eval)\s*['"]?\s*(?:[)\]}]\s*|\[\s*\d+\s*\]\s*|\{\s*\d+\s*\}\s*)+\(/i,
  /['"](?:system|exec|passthru|shell_exec|popen|proc_open|assert|eval)['"]\s*\(|['"]\w+['"](?:\s*\.\s*['"]\w+['"])+\s*\)?\s*\(|\(\s*\$\w+\s*\)\s*\(/i,
  // php.ini directives as a whole value (PHP_VALUE / .user.ini injection).
  /^\s*(?:allow_url_(?:include|fopen)|auto_(?:prepend|append)_file|disable_functions|open_basedir|extension(?:_dir)?|memory_limit|engine|precision|smtp|sendmail_path|error_log|include_path|unserialize_max_depth|file_uploads|upload_tmp_dir|short_open_tag|(?:opcache|mbstring|session|zend|pcre)\.\w+)[ \t]*=[ \t]*\S+[ \t]*$/im,
  /\b[OC]:\d+:"[\w\\]+":\d+:\{/,
  /__proto__|\bconstructor\]?\s*(?:\.|\[\s*['"]?)prototype\b/,
  /\brequire\s*\(\s*['"](?:child_process|fs|net|os)['"]\s*\)|\bprocess\.(?:mainModule|binding|env)\b|\bchild_process\b/,
  /\b(?:Function|setTimeout|setInterval)\s*\(\s*['"`]/,
  // JavaScript: node-serialize functions, constructor chains, module and console access, infinite loops.
  /_\$\$ND_FUNC\$\$_|\b__js_function\b|\bfunction\s*\(\s*\)\s*\{|\bnew\s+Function\s*\(|\.constructor\s*\.\s*constructor\b|\bmodule\.exports\s*=|\brequire\.main\b|\b(?:process|require)\s*\[|\$[a-z@]?\d+:(?:\w+:)*(?:constructor|__proto__|prototype)\b/,
  /\bconsole\s*(?:\.\s*\w+|\[\s*['"]\w+['"]\s*\])(?:\s*\.\s*(?:call|apply|bind))?\s*\(/,
  /\bwhile\s*\(\s*[!(+-]*\s*(?:true|false|[01]|Infinity|null|undefined|NaN|""|''|``|\{\}|\[\]|this|String|new\s+Date)\s*\)+\s*(?:;|\{|$)/,
  /\b(?:__import__|os\.system|os\.popen|subprocess\.\w+|importlib)\s*\(/,
  /\b(?:Kernel\.(?:exec|system|spawn)|IO\.popen|Open3\.\w+|ObjectSpace|Process\.spawn)\b/,
  /\b(?:java\.lang\.Runtime|Runtime\.getRuntime|ProcessBuilder)\b/,
  // Perl code interpolated into a string: @{[ system 'id' ]}
  /@\{\s*\[/,
  // Uploads named to run on the server: PHP scripts (a.php, x.phtml, test.phar .png), PHP session files.
  /\bfilename\s*=\s*"?[^"\r\n;]*?(?:\.\s*(?:php\d*|phtml|phar|phps|pht|phpt)\b|(?:^|[\\/"])sess_[\w,-]{16,})/i,
]);

/** Parameter and header names that carry a file name (X-Filename, X-File-Name, file_name, filename). */
const FILE_NAME = /(?:^|[-_.])file[-_.]?name$|^filename$/i;
const RUNNABLE_FILE = /\.\s*(?:php\d*|phtml|phar|phps|pht|phpt)\b|(?:^|[\\/])sess_[\w,-]{16,}|\bwp-config\b|\.(?:htaccess|htpasswd|user\.ini|boto)\b|^\s*settings\.\s*php\b/i;

/** PHP comments hide a call from its parentheses: exec/**\/(, exec #c\n (, exec //c\n (. */
const PHP_COMMENT = /\/\*[\s\S]*?\*\/|(?:#|\/\/)[^\n]*\n/g;

function code(v: string, name: string | null): string | null {
  if (name !== null && FILE_NAME.test(name)) {
    const m = RUNNABLE_FILE.exec(v);
    if (m) return v.slice(0, 80);
  }
  const hit = CODE(v);
  if (hit !== null || !/[#/]/.test(v)) return hit;
  const bare = v.replace(PHP_COMMENT, ' ');
  return bare === v ? null : CODE(bare);
}

const CRLF_PATTERNS = anyOf([
  /[\r\n][ \t]*(?:(?:set-cookie|location|refresh|content-(?:type|length|disposition)|transfer-encoding|remote-addr|x-[\w-]+|access-control-[\w-]+|link|host|cookie|authorization)\s*:|http\/\d(?:\.\d)?\s+\d{3}\b|<(?:html|script|body)\b)/i,
  // Still URL-encoded (a header value, a doubly encoded parameter): any header line after the break.
  /%0[da][ \t]*(?:[a-z][\w-]{0,40}[ \t]*:(?!\/\/)|http\/)/i,
  // A line break inside a URL path (`/index.php/PHP%0Ainfo.php`): header injection through the request line.
  /^\/[^\s]*[\r\n]/,
  // A whole request inside a value: request smuggling (`…%0aGET /admin HTTP/1.1`).
  /\b(?:GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND)\s+\S+\s+HTTP\/\d(?:\.\d)?\b/,
  // Mail protocol commands after a line break: SMTP, POP3 and IMAP injection into mail back ends.
  /[\r\n][ \t]*(?:(?:mail\s+from|rcpt\s+to)\s*:|(?:ehlo|helo)\s+[\w.-]+\s*(?=[\r\n]|$)|(?:retr|dele|top|list|uidl)\s+\d+(?:\s+\d+)?\s*(?=[\r\n]|$)|[a-z]{1,4}\d{1,4}\s+(?:examine|select|login|authenticate|status|store|copy|list|lsub|search|fetch|append|uid|create|rename|subscribe|expunge|logout|capability|starttls|quit)\b)/i,
  /[\r\n][ \t]*(?:DATA|QUIT|RSET|NOOP|STARTTLS)[ \t]*(?=[\r\n]|$)|[\r\n][ \t]*(?:AUTH|APOP)\s+\S+(?:\s+\S+)?\s*(?=[\r\n]|$)|[\r\n][ \t]*(?:HELP|VRFY|EXPN)(?:[ \t]+\S+)?[ \t]*(?=[\r\n]|$)/,
  // IMAP commands whose arguments have their own grammar, whatever the tag: `d STORE 2 +FLAGS (\Deleted)`, `a UID FETCH 1:* (BODY[])`
  /[\r\n][ \t]*[\w.]{1,10}[ \t]+(?:uid[ \t]+)?(?:store[ \t]+[\d:*,]+[ \t]+[+-]?flags(?:\.silent)?[ \t]+\(|fetch[ \t]+[\d:*,]+[ \t]+\((?:body|rfc822|envelope|flags|uid|internaldate)\b)/i,
]);

/** A multipart body: its part headers are line breaks followed by header names by design. */
const MULTIPART = /^\s*--[^\r\n]{1,70}\r?\n\s*content-(?:disposition|type)\s*:/i;

function crlf(v: string): string | null {
  return MULTIPART.test(v) ? null : CRLF_PATTERNS(v);
}

const RFI = anyOf([
  /^(?:https?|ftps?):\/\/(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:[/?#][^\s]*|$)/im,
  /^(?:https?|ftps?):\/\/[^\s?#]+\?+$/im,
  /^(?:https?|ftps?):\/\/[^\s]+\.(?:php|phtml|txt|inc|sh|pl|py|jsp|asp)\??$/im,
]);
/** Parameter names that say the value is a file or path the server will include (`_CONF[path]`, `mosConfig_absolute_path`). */
const INCLUDE_NAME = /(?:^|[_[\].-])(?:path|dir|include|require|inc|root|template|module|conf(?:ig)?|absolute_path)(?:$|[_[\].-])/i;

function rfi(v: string, name: string | null): string | null {
  if (ssrf(v, name) !== null) return null;
  const hit = RFI(v);
  if (hit !== null) return hit;
  return name !== null && INCLUDE_NAME.test(name) && /^(?:https?|ftps?):\/\/[^\s/?#]+/i.test(v.trim()) ? v.trim().slice(0, 80) : null;
}

// ---------- scanners ----------

// A tool's name is a token of its own: in `ecairn-grabber/1.0 (+http://ecairn.com/grabber)` it names
// another product and its URL, not the Grabber scanner.
const SCANNER_UA =
  /(?<![\w./-])(?:nikto|sqlmap|nmap|masscan|zgrab|nuclei|acunetix|netsparker|wpscan|dirbuster|gobuster|dirb|ffuf|feroxbuster|wfuzz|havij|arachni|w3af|openvas|nessus|qualys|jaeles|whatweb|commix|hydra|medusa|skipfish|paros|webinspect|appscan|zmeu|morfeus|interactsh|l9explore|l9tcpid|jorgee|zaproxy|owasp[ _-]?zap|burp(?:suite|collaborator)?|xsstrike|dotdotpwn|fimap|joomscan|droopescan|nuclei|httpx - open-source|xray|vega\/|netlab360|censysinspect|masscan-ng|grabber|bsqlbf|brutus|sf\/|struts-pwn|log4shell|\(hydra\)|crowdsec-test-scanner)\b|nmap scripting engine|fuzz faster u fool|\bzgrab\/|\bpython-nmap\b|\bModat Scanner\b/i;

const PROBE_PATH =
  /(?:^|\/)(?:\.env(?:\.\w+)?|\.git\/(?:config|HEAD|index)|\.svn\/entries|\.hg\/|\.DS_Store|\.htaccess|\.htpasswd|\.aws\/credentials|\.ssh\/|wp-admin(?:\/|$)|wp-login\.php|wp-content\/plugins(?![^?#]*\.(?:css|js|mjs|map|ttf|otf|woff2?|eot|svg|png|jpe?g|gif|webp|avif|ico)(?:$|[?#]))|wp-includes|xmlrpc\.php|wp-config\.php|phpmyadmin|pma\/|myadmin|phpinfo\.php|actuator(?:\/|$)|server-status|server-info|cgi-bin\/|(?:web|app)\.config|config\.(?:php|inc|bak)|vendor\/phpunit|solr\/admin|jmx-console|manager\/html|console\/login|boaform|HNAP1|druid\/index|autodiscover\/autodiscover\.xml|owa\/auth|backup\.(?:zip|sql|tar\.gz|tgz|bak)|(?:db|dump|database)\.sql|[\w.-]*shell\.php|wso\.php|c99\.php|r57\.php|_ignition\/execute-solution|setup\.cgi|cgi\/networkDiag\.cgi|GponForm\/|eval-stdin\.php|telescope\/requests|_profiler|\.vscode\/|sftp-config\.json|id_rsa|crx\/packmgr|\.well-known\/openid-configuration\/\.\.)/i;

// ---------- secrets and personal data ----------

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const CARD_CANDIDATE = /(?<![\d.])(?:\d[ -]?){12,18}\d(?![\d.])/g;
const CARD_PREFIX = /^(?:4\d{12}(?:\d{3})?|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|6(?:011|5\d{2})\d{12}|35\d{14}|3(?:0[0-5]|[68]\d)\d{11})$/;

function cardNumber(v: string): string | null {
  if (v.length < 13) return null;
  for (const m of v.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (CARD_PREFIX.test(digits) && luhnValid(digits) && !/^(\d)\1+$/.test(digits)) return `${digits.slice(0, 6)}…${digits.slice(-4)}`;
  }
  return null;
}

const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/;
const PASSWORD_HASH = anyOf([
  /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/,
  /\$argon2(?:id|i|d)\$v=\d+\$/,
  /\$[156]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{20,}/,
  /\bpbkdf2_sha(?:1|256|512)\$\d+\$/,
  /"(?:password|passwd|pwd|pass|password_?hash|hashed_?password|passwordDigest|encrypted_?password)"\s*:\s*"[^"]{4,}"/i,
]);
const SECRET = anyOf([
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /"(?:aws_secret_access_key|client_secret|secret_key|private_key|api_secret|signing_key|encryption_key)"\s*:\s*"[^"]{8,}"/i,
  /\b(?:sk_live|rk_live)_[0-9a-zA-Z]{20,}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
  /\bxox[baprs]-[A-Za-z0-9-]{10,}\b/,
]);

const STACK_TRACE = anyOf([
  /\bat (?:[\w$]+\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala):\d+|Native Method|Unknown Source)\)/,
  /Traceback \(most recent call last\)/,
  /\b(?:System\.[\w.]*Exception|NullReferenceException)\b[\s\S]{0,200}?\bat\s+[\w.]+/,
  /\bat [\w.<>]+\([^)]*\) in [^\n]+:line \d+/,
  /(?:Fatal error|Parse error|Warning|Notice)(?:<\/b>)?:\s.{1,300}?\bon line (?:<b>)?\d+/,
  /\bat (?:[\w.<>]+ )?\(?\/[^\s)]+\.(?:js|ts|mjs|cjs):\d+:\d+\)?/,
  /\.rb:\d+:in `/,
  /\bgoroutine \d+ \[running\]/,
  /You have an error in your SQL syntax|\bORA-\d{5}\b|\bPG::\w+Error\b|\bSQLSTATE\[\w+\]|\bSQLite3?::\w+Exception\b|Unclosed quotation mark after the character string|\bsyntax error at or near\b|\bpsycopg2\.\w+Error\b|\bjava\.sql\.SQLException\b/,
  /Whitelabel Error Page|Werkzeug Debugger|<title>[^<]*(?:Exception|Error) at \/[^<]*<\/title>|\bDEBUG = True\b/,
]);

const URLISH_NAME = /^(?:url|uri|link|href|src|source|dest|destination|target|redirect|redirect_?(?:uri|url)|return_?(?:url|to)|next|callback|callback_?url|webhook|webhook_?url|feed|image_?url|avatar_?url|icon_?url|host|hostname|domain|proxy|endpoint|server|site|fetch|remote|import_?url|download_?url)$/i;
const LOCAL_NAMES = String.raw`localhost\d*(?:\.localdomain\d*)?|ip6-(?:localhost|loopback)|ipv6-(?:localhost|loopback)|(?:[\w-]+\.)*(?:localtest|lvh)\.me|metadata(?:\.google\.internal|\.packet\.net|\.platformequinix\.com)?|instance-data`;
const BARE_HOST = new RegExp(String.raw`^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|[0-9a-f]*:[0-9a-f:.]+|${LOCAL_NAMES}|[\w.-]+\.(?:localhost|local|internal))$`, 'i');
const SCHEME_VALUE = /^\s*([a-z][\w+.-]{1,15}):/i;
const DANGEROUS_SCHEMES = new Set(['file', 'local_file', 'gopher', 'dict', 'ldap', 'ldaps', 'ftp', 'ftps', 'tftp', 'jar', 'netdoc', 'expect', 'sftp', 'smb', 'phar', 'jdbc', 'unix']);
const INTERNAL_NAMES = new RegExp(String.raw`^(?:${LOCAL_NAMES}|.*\.localhost|.*\.local|.*\.internal|kubernetes(?:\.default(?:\.svc)?)?|0)$`, 'i');
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss']);
/**
 * Userinfo written as a host and an encoded path, query or fragment delimiter
 * (`http://trusted.com%2f@evil.com/`): a prefix allow-list sees trusted.com, the fetcher goes to evil.com.
 */
const HOST_AS_USERINFO = /^[\w-]+(?:\.[\w-]+)+(?::\d*)?%(?:2f|5c|23|3f)/i;
/** data: URLs a fetcher would read as a document or script (allow-list bypass), not images. */
const DATA_DOCUMENT = /^data:\s*(?:text\/(?:plain|html|xml)|application\/(?:x-)?(?:php|javascript|x-httpd-php|xml))\b/i;

function internalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '').replace(/\.$/, '');
  if (INTERNAL_NAMES.test(h)) return true;
  // Only digits-and-dots or IPv6 can be addresses (the URL parser already normalised 0x7f.1 forms).
  if (!/^[\d.]+$/.test(h) && !h.includes(':')) return false;
  if (!ipaddr.isValid(h)) return false;
  let addr = ipaddr.parse(h);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms reach the IPv4 address.
    if (v6.isIPv4MappedAddress()) addr = v6.toIPv4Address();
    else if (v6.parts.slice(0, 6).every((p) => p === 0) && (v6.parts[6] !== 0 || v6.parts[7] > 1)) addr = ipaddr.IPv4.parse(`${v6.parts[6] >> 8}.${v6.parts[6] & 255}.${v6.parts[7] >> 8}.${v6.parts[7] & 255}`);
  }
  const range = addr.range();
  // IPv6 outside the global unicast block (2000::/3) that no special range claims is unallocated:
  // no public host has such an address (`[a::]`, `[dead:beef::1]`).
  if (range === 'unicast' && addr.kind() === 'ipv6' && ((addr as ipaddr.IPv6).parts[0] & 0xe000) !== 0x2000) return true;
  return INTERNAL_RANGES.has(range);
}

/** ipaddr.js ranges that are inside a network (documentation and multicast ranges are not). */
const INTERNAL_RANGES = new Set(['loopback', 'private', 'linkLocal', 'unspecified', 'carrierGradeNat', 'uniqueLocal', 'broadcast']);

/**
 * The hosts a URL's authority may be read as: the WHATWG parser's, and each name after an `@`
 * (parsers disagree on `http://a.com:80 &@b.com# @127.0.0.1/`). Backslashes inside a host
 * (`http://\l\o\c\a\l\h\o\s\t/`) are dropped; an address no parser accepts (`http://7147006462/`,
 * `0x41414141A9FEA9FE`) is returned as is, marked as a numeric address.
 */
function urlHosts(value: string, slashes: number): { hosts: string[]; numeric: boolean; obfuscated: boolean } {
  const rest = value.slice(slashes);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = authority.indexOf('@');
  const obfuscated = authority.includes('\\') || (at !== -1 && HOST_AS_USERINFO.test(authority.slice(0, at)));
  const clean = authority.replace(/\\/g, '');
  const hosts: string[] = [];
  let numeric = false;
  const hostOf = (a: string) => (a.startsWith('[') ? a.slice(0, a.indexOf(']') + 1) : a.replace(/:\d*$/, ''));
  const written = hostOf(clean.slice(clean.lastIndexOf('@') + 1));
  try {
    const host = new URL(`http://${clean.replace(/%25|%(?=[\w-]*\])/g, '')}/`).hostname;
    // An IPv4 address the parser had to rewrite (`123456789`, `0x7f.1`, `0177.0.0.1`) was spelled to slip past filters.
    if (/^[\d.]+$/.test(host) && host !== written.replace(/\.$/, '')) numeric = true;
    hosts.push(host);
  } catch {
    if (/^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+))*$/i.test(written)) numeric = true;
    hosts.push(written);
  }
  for (const m of value.matchAll(/@\s*(\[[0-9a-f:.%\w]+\]|[\w.-]+)/gi)) hosts.push(m[1]);
  return { hosts, numeric, obfuscated };
}

/** A URL (or, for URL-ish parameter names, a bare host) pointing inside or at a non-HTTP scheme. */
function ssrf(v: string, name: string | null): string | null {
  // The page the browser came from: a site on an internal address is not a request to reach one.
  if (name === 'referer' || name === 'origin') return null;
  // Leaves of a markup or form body, one per line.
  if (v.includes('\n')) {
    for (const line of v.split('\n', 64)) {
      const hit = ssrfValue(line, name);
      if (hit !== null) return hit;
    }
    return null;
  }
  return ssrfValue(v, name);
}

function ssrfValue(v: string, name: string | null): string | null {
  let value = v.trim();
  if (value.length > 2048 || value.length < 3) return null;
  // Java reads `url:file:///etc/passwd` as the URL after the prefix.
  if (/^url:[a-z]/i.test(value)) value = value.slice(4);
  const scheme = SCHEME_VALUE.exec(value)?.[1]?.toLowerCase();
  if (scheme && DANGEROUS_SCHEMES.has(scheme)) return value.slice(0, 80);
  if (scheme === 'data') return DATA_DOCUMENT.test(value) ? value.slice(0, 80) : null;
  let slashes = value.startsWith('//') ? 2 : -1;
  if (scheme && (SPECIAL_SCHEMES.has(scheme) || value.startsWith('//', scheme.length + 1))) {
    // WHATWG URL parsers read `http:127.0.0.1` and `http:/\\host` as `http://host`.
    slashes = scheme.length + 1;
    while (value[slashes] === '/' || value[slashes] === '\\') slashes++;
  }
  if (slashes > 0) {
    const { hosts, numeric, obfuscated } = urlHosts(value, slashes);
    return numeric || obfuscated || hosts.some(internalHost) ? value.slice(0, 80) : null;
  }
  if (name && URLISH_NAME.test(name)) {
    const host = value.startsWith('[') ? value.slice(0, value.indexOf(']') + 1) : (value.split(/[/?#]/, 1)[0] ?? '').replace(/:\d+$/, '');
    if (BARE_HOST.test(host) && internalHost(host)) return value.slice(0, 80);
  }
  return null;
}

const SECRET_PARAM = /^(?:api[_-]?key|apikey|x[_-]api[_-]key|access[_-]?token|auth[_-]?token|authorization|bearer|token|id[_-]?token|refresh[_-]?token|password|passwd|pwd|pass|secret|client[_-]?secret|private[_-]?key|session[_-]?(?:id|token)?|sessid|phpsessid|jsessionid|jwt|api[_-]?secret|secret[_-]?key|key)$/i;
const TOKEN_SHAPE = anyOf([
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\b(?:sk|rk|pk)_live_[0-9a-zA-Z]{16,}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
  /\bxox[baprs]-[A-Za-z0-9-]{10,}\b/,
]);

/** What every TOKEN_SHAPE pattern contains. */
const TOKEN_HINT = /eyJ|AKIA|ASIA|_live_|gh[pousr]_|xox[baprs]-/;

/** A credential in the URL: a secret-named parameter with a real value, or a token-shaped string. */
function credentialInUrl(v: string, name: string | null): string | null {
  if (name && SECRET_PARAM.test(name)) {
    const value = v.trim();
    const minimum = /pass|pwd/i.test(name) ? 1 : 8;
    if (value.length >= minimum && !/^(?:null|undefined|true|false|\*+|x+|redacted|<[^>]*>|\{\{.*\}\}|\$\{.*\})$/i.test(value)) {
      return `${name}=${value.slice(0, 4)}…`;
    }
  }
  const t = TOKEN_HINT.test(v) ? TOKEN_SHAPE(v) : null;
  return t ? `${t.slice(0, 12)}…` : null;
}

let nextIndex = 0;
const lib = (name: string, description: string, decode: boolean, hint: RegExp | null, test: (v: string, n: string | null) => string | null): SignatureLibrary => ({ name, index: nextIndex++, description, decode, hint, test });

/**
 * Necessary conditions (literal anchors) of the response-body libraries, tested before their many
 * patterns: each pattern of the library contains at least one of these (hints are case-insensitive
 * supersets, so they never reject a value a pattern would match).
 */
const SECRET_HINT = /-----BEGIN|AKIA|ASIA|secret|private_key|signing_key|encryption_key|sk_live|rk_live|gh[pousr]_|xox[baprs]-/i;
const STACK_TRACE_HINT = /\bat |Traceback|Exception|error|Warning|Notice|\.rb:\d|goroutine|ORA-\d|PG::|SQLSTATE|SQLite|Unclosed quotation|psycopg2|Werkzeug|DEBUG = True/i;
/** 13 digits with optional single separators: what CARD_CANDIDATE needs at least. */
const CARD_HINT = /\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d/;

export const SIGNATURE_LIST: readonly SignatureLibrary[] = [
    lib('sqli', 'SQL injection: tautologies, UNION SELECT, stacked queries, time delays, comment truncation', true, SQLI_HINT, SQLI),
    lib('nosqli', 'NoSQL (MongoDB) operator injection: $ne/$gt/$where/$regex in keys or values', true, /\$|\bdb\.|return|this\./, NOSQLI),
    lib('xss', 'Cross-site scripting: script tags, event handlers, javascript: URLs', true, /[<>:(]|javascript|on\w+\s*=/i, XSS),
    lib('ldap', 'LDAP filter injection: values that close the filter and open their own ((uid=*), (|, )!(…)', true, /\)[\s]*[(|&!]/, LDAP),
    lib('cmd', 'OS command injection: command lines after separators or alone, $(…), backticks, parameter expansion, here-strings, globbing and quoting evasions, Windows batch', true, CMD_HINT, cmd),
    lib('traversal', 'Path traversal and local file inclusion: ../, encoded dots, system files (/etc/passwd, /proc/, /sys/, win.ini), credentials in hidden files and directories', true, /\.\.|0x|etc\/|proc\/|sys\/|var\/log|win|boot\.ini|[a-z]:\\|(?:^|[\\/=\s])\.[a-z]|@(?:fs|id)\/|\.log|\.sql\.|\x00/i, traversal),
    lib('ssti', 'Server-side template and expression-language injection ({{7*7}}, ${…}, OGNL, SpEL)', true, /[{%#@_]|\$\{|freemarker|class\.|getRuntime/i, SSTI),
    lib('jndi', 'Log4Shell / JNDI lookups (${jndi:ldap://…}) including nested obfuscations', true, /\$\{/, JNDI),
    lib('code', 'Code injection: PHP tags, wrappers, functions (glued or assembled) and variable calls, php.ini directives, runnable uploads, prototype pollution, Node/Perl/Python/Ruby eval', true, /[<$(:_[{=]|proto|constructor|require|process|Runtime|ProcessBuilder|Kernel|ObjectSpace|module|\.\s*ph|sess_|wp-config|\.boto|htaccess|user\.ini/i, code),
    lib('crlf', 'CRLF injection: line breaks followed by header names (response splitting), whole requests (smuggling) or SMTP/POP3/IMAP commands', true, /[\r\n]|%0[da]|HTTP\/\d/i, crlf),
    lib('rfi', 'Remote file inclusion: parameter values that are URLs to raw IPs or scripts, or URLs in path/include-named parameters', true, /(?:https?|ftps?):\/\//i, rfi),
    lib('ssrf', 'URL-valued parameters pointing at loopback, private, link-local, metadata or unallocated addresses, IPv4 spelled as numbers, or non-HTTP schemes', true, /^\s*(?:[a-z][\w+.-]{1,15}:|\/\/|\d{1,3}\.\d|\[|[0-9a-f]*:[0-9a-f]*:|localhost|metadata|instance-data|ip6?-|ipv6-|[\w.-]+\.(?:local|internal|me))|\n/im, ssrf),
    lib('scanner-ua', 'User agents of vulnerability scanners and attack tools', false, null, (v) => SCANNER_UA.exec(v)?.[0] ?? null),
    lib('probe-path', 'Paths scanners guess: /.env, /.git/config, /wp-admin, /actuator, /phpmyadmin…', false, null, (v) => PROBE_PATH.exec(v)?.[0] ?? null),
    lib('card-number', 'Payment card numbers (valid issuer prefix and Luhn checksum)', false, CARD_HINT, cardNumber),
    lib('ssn', 'US social security numbers (NNN-NN-NNNN with invalid ranges excluded)', false, /\d{3}-\d{2}-\d{4}/, (v) => (SSN.exec(v) ? '***-**-****' : null)),
    lib('password-hash', 'Password hashes (bcrypt, argon2, sha-crypt, pbkdf2) or password-named fields', false, /\$|pass|pwd/i, PASSWORD_HASH),
    lib('secret', 'Private keys, cloud access keys, live API secrets', false, SECRET_HINT, (v) => {
      const m = SECRET(v);
      return m ? `${m.slice(0, 16)}…` : null;
    }),
    lib('stack-trace', 'Stack traces and verbose database/framework errors', false, STACK_TRACE_HINT, (v) => STACK_TRACE(v)?.slice(0, 80) ?? null),
    lib('credential-in-url', 'Secret-named parameters (api_key, token, password…) or token-shaped strings', false, null, credentialInUrl),
];

export const SIGNATURES: ReadonlyMap<string, SignatureLibrary> = new Map(SIGNATURE_LIST.map((l) => [l.name, l]));

/**
 * Values no decoding library (injection, SSRF) can match: only letters, digits, space and . _ @ - /,
 * no base64 token that decodes to text, none of the keywords the libraries need. Most API values
 * are like this, and skipping them is most of the engine's speed.
 */
const PLAIN_BUT = /(?:^|\/)\.[a-z]|sys\/|var\/log|@(?:fs|id)\/|\.log$|\.sql\.|\.local\b|localtest|lvh\.me|ip6-|ipv6-|\.\s*ph(?:p|tml|ar|t)|sess_|wp-config|\.boto|class|\.\.|__|\/\/|0x|union|select|sleep|benchmark|waitfor|schema|exec|drop|insert|delete|update|win|boot\.ini|etc\/|bin\/|proc\/|passwd|cmd|powershell|wget|curl|proto|constructor|process|runtime|objectspace|kernel|localhost|metadata|internal|instance-data|^\d+\.\d+\.\d+/i;
const MAX_PLAIN = 300;
/** Command lines made of plain characters only (`time sh -c whoami`, `cscli alerts list`, `IF EXIST x ECHO y`). */
const PLAIN_COMMAND = new RegExp(String.raw`^\s*${CMD_WRAPPER}|\b(?:${CMD_STRONG})\b|^\s*${CMD_PATH}(?:${CMD_WORDS})\s+(?:-|\.?/|\d{1,3}(?:\.\d{1,3}){3})|\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion)\b`, 'i');

/** Characters a plain value may hold: letters, digits, space and . _ @ - / */
const PLAIN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.@/-') PLAIN_CHAR[c.charCodeAt(0)] = 1;

/** 0: some character is not plain; 1: only digits (or empty); 2: plain characters. */
function plainChars(value: string): 0 | 1 | 2 {
  let digits = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c > 127 || PLAIN_CHAR[c] === 0) return 0;
    digits = false;
  }
  return digits ? 1 : 2;
}

/**
 * Keyword and base64 verdicts per value: API values repeat (path segments, parameter values), and
 * the verdict is a pure function of the value, so a bounded cache cannot change any result.
 */
const plainCache = new Map<string, boolean>();

export function isPlainValue(value: string): boolean {
  if (value.length > MAX_PLAIN) return false;
  const chars = plainChars(value);
  // Digits alone hold no keyword, and no digit run decodes from base64 to text.
  if (chars !== 2) return chars === 1;
  let plain = plainCache.get(value);
  if (plain === undefined) {
    plain = !PLAIN_BUT.test(value) && !PLAIN_COMMAND.test(value) && (value.length < 12 || !hasReadableBase64(value));
    if (plainCache.size >= 50_000) plainCache.clear();
    plainCache.set(value, plain);
  }
  return plain;
}

/** A segment (not the last) ending in etc, bin or proc makes `etc/`… in the path. */
function endsWithDirKeyword(s: string): boolean {
  const n = s.length;
  const lower = (i: number) => s.charCodeAt(i) | 0x20;
  if (n >= 3 && lower(n - 3) === 101 && lower(n - 2) === 116 && lower(n - 1) === 99) return true; // etc
  if (n >= 3 && lower(n - 3) === 98 && lower(n - 2) === 105 && lower(n - 1) === 110) return true; // bin
  return n >= 4 && lower(n - 4) === 112 && lower(n - 3) === 114 && lower(n - 2) === 111 && lower(n - 1) === 99; // proc
}

/**
 * Whether a path and every one of its segments are plain (then the segments need no scan of their
 * own: no decoding library can match them, and the other libraries see them inside the path).
 * Judged segment by segment (segments repeat, whole paths carry ids), plus what spans segments:
 * `//`, `etc/`…, and base64 runs containing a slash.
 */
export function isPlainPath(path: string, segments: readonly string[]): boolean {
  if (path.length > MAX_PLAIN) return false;
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segments[i];
    if (s === '') {
      if (i > 0 && i < last) return false;
      continue;
    }
    if (!isPlainValue(s)) return false;
    if (i < last && endsWithDirKeyword(s)) return false;
  }
  // Maximal runs of base64 characters (a plain path has no + or =) that cross a slash.
  let start = -1;
  let slash = false;
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 32;
    const b64 = c !== 32 && c !== 46 && c !== 64; // plain characters but space . @
    if (b64) {
      if (start < 0) {
        start = i;
        slash = false;
      }
      if (c === 47) slash = true;
    } else if (start >= 0) {
      if (slash && i - start >= 12 && base64Decode(path.slice(start, i)) !== null) return false;
      start = -1;
    }
  }
  return true;
}

/** Runs one library over a value (decoding first when the library asks for it). */
export function testSignature(library: SignatureLibrary, value: string, name: string | null, variantsOf: (v: string) => readonly string[] = decodeVariants, plain?: boolean): string | null {
  if (!value) return null;
  if (!library.decode) {
    if (library.hint && !library.hint.test(value)) return null;
    return library.test(value, name);
  }
  if (plain ?? isPlainValue(value)) return null;
  for (const v of variantsOf(value)) {
    if (library.hint && !library.hint.test(v)) continue;
    const hit = library.test(v, name);
    if (hit !== null) return hit;
  }
  return null;
}

/**
 * Header values repeat across a whole capture (user agents, accept lists): their results are kept
 * per (header, value) for every library. Cleared, never evicted, when full: results do not depend
 * on it, so detection stays deterministic.
 */
const headerCache = new Map<string, Map<string, string | null>>();

/** The shared result map for one repeating value (callers keep it for the exchange). */
export function repeatedValueResults(value: string, name: string | null): Map<string, string | null> | null {
  if (value.length > 512) return null;
  const key = name === null ? value : `${name}\u0000${value}`;
  let results = headerCache.get(key);
  if (!results) {
    if (headerCache.size >= 20_000) headerCache.clear();
    headerCache.set(key, (results = new Map()));
  }
  return results;
}

export function testSignatureCached(library: SignatureLibrary, value: string, name: string | null, variantsOf: (v: string) => readonly string[], plain: boolean, results: Map<string, string | null> | null): string | null {
  if (results === null) return testSignature(library, value, name, variantsOf, plain);
  const cached = results.get(library.name);
  if (cached !== undefined) return cached;
  const hit = testSignature(library, value, name, variantsOf, plain);
  results.set(library.name, hit);
  return hit;
}
