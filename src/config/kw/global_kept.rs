//! `global` keywords accepted and kept without effect yet (`ulimit-n`, `cpu-map`,
//! `maxconnrate`, `unix-bind`, `cluster-secret`, `lua-load`, ... in `Global::kept`), with the
//! checks `haproxy -c` makes on them (configuration.txt section 3): missing or bad
//! arguments, and the settings HAProxy takes only once ("already specified. Continuing.").
//! Also the alerts of `setenv`, `presetenv`, `unsetenv` and `resetenv`, which the lexer
//! applies (see [`crate::config::lexer::Env`]). Imports nothing outside `config`.

use super::GlobalCtx;
use crate::config::diag::Level;
use crate::config::lexer::Line;

/// What HAProxy says when an accepted-but-ignored keyword lacks its argument.
const MISSING_ARG: &[(&str, &str)] = &[
    ("ulimit-n", "'ulimit-n' expects an integer argument."),
    ("lua-load", "'lua-load' expects a file name as parameter."),
    ("lua-prepend-path", "'lua-prepend-path' expects to receive a <path> as argument"),
    ("server-state-file", "'server-state-file' expect one argument: a file path."),
    ("server-state-base", "'server-state-base' expects one argument: a directory path."),
    ("localpeer", "'localpeer' expects a name as an argument."),
    ("maxsslconn", "'maxsslconn' expects an integer argument."),
    ("maxconnrate", "'maxconnrate' expects an integer argument."),
    ("maxsessrate", "'maxsessrate' expects an integer argument."),
    ("maxsslrate", "'maxsslrate' expects an integer argument."),
    ("maxpipes", "'maxpipes' expects an integer argument."),
    ("maxcomprate", "'maxcomprate' expects an integer argument in kb/s."),
    ("maxcompcpuusage", "'maxcompcpuusage' expects an integer argument between 0 and 100."),
    ("maxzlibmem", "'maxzlibmem' expects an integer argument."),
    ("ssl-server-verify", "'ssl-server-verify' expects an integer argument."),
    ("ssl-dh-param-file", "'ssl-dh-param-file' expects a file path as an argument."),
    ("ssl-load-extra-files", "'ssl-load-extra-files' expects one or multiple arguments (none, all, bundle, sctl, ocsp, issuer)."),
    ("issuers-chain-path", "global statement 'issuers-chain-path' expects a directory path as an argument.\n"),
    ("profiling.tasks", "'profiling.tasks' expects either 'on', 'auto', or 'off' but got ''."),
    ("thread-groups", "'thread-groups' passed a missing or unparsable integer value in ''"),
    ("grace", "'grace' expects <time> as argument.\n"),
    ("fd-hard-limit", "'fd-hard-limit' expects an integer argument."),
    ("cluster-secret", "expects an ASCII string argument."),
    ("cpu-map", "cpu-map expects a process number  ('all', 'odd', 'even', a number from 1 to 64 or a range),  followed by a list of CPU ranges with numbers from 0 to 63."),
];

/// `lua-load FILE`: Lua is not supported here, but a missing file is still HAProxy's error.
pub fn lua_load(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let Some(path) = line.word(1) else {
        ctx.alert(line, "'lua-load' expects a file name as parameter.");
        return;
    };
    if std::fs::metadata(path).is_err() {
        let msg =
            format!("error in Lua file '{path}': cannot open {path}: No such file or directory");
        ctx.alert(line, msg);
    }
}

/// `setenv`, `presetenv`, `unsetenv` and `resetenv`: the lexer applied them while reading
/// (see [`crate::config::lexer::Env`]), so that they affect the lines after them; here only
/// HAProxy's alerts for a bad line.
pub fn env_line(ctx: &mut GlobalCtx<'_>, line: &Line) {
    match crate::config::lexer::env_directive(&line.words).1 {
        Some((msg, true)) => ctx.alert(line, msg),
        Some((msg, false)) => {
            let msg = format!("parsing [{}]: {msg}", line.loc);
            ctx.diags.global(Level::Alert, msg);
        }
        None => {}
    }
}

/// Kept keywords HAProxy sets only once: a second line while the first value is non-zero
/// is an alert that leaves the configuration valid.
const SET_ONCE_NUMBERS: &[&str] = &[
    "ulimit-n",
    "fd-hard-limit",
    "maxconnrate",
    "maxsessrate",
    "maxsslrate",
    "maxpipes",
];
/// Kept keywords HAProxy sets only once, whatever their value.
const SET_ONCE_STRINGS: &[&str] = &["server-state-base", "server-state-file", "cluster-secret"];

/// True when the kept keyword `kw` already holds a value HAProxy would not replace.
fn set_before(g: &crate::config::model::Global, kw: &str) -> bool {
    let mut earlier = g.kept.iter().filter(|(k, _)| k == kw);
    if SET_ONCE_NUMBERS.contains(&kw) {
        earlier.any(|(_, args)| {
            crate::config::units::atol(args.first().map_or("", String::as_str)) != 0
        })
    } else {
        SET_ONCE_STRINGS.contains(&kw) && earlier.next().is_some()
    }
}

/// Keywords accepted and kept without effect; a missing argument gets HAProxy's alert.
pub fn ignore(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let kw = line.keyword();
    if set_before(ctx.global, kw) {
        ctx.alert_continue(line, format!("'{kw}' already specified. Continuing."));
        return;
    }
    let before = ctx.diags.list.len();
    check_kept(ctx, line);
    if ctx.diags.list.len() == before {
        let args = line.words.get(1..).unwrap_or(&[]).to_vec();
        ctx.global.kept.push((kw.to_string(), args));
    }
}

/// The argument checks HAProxy makes on a kept keyword.
fn check_kept(ctx: &mut GlobalCtx<'_>, line: &Line) {
    if let Some(msg) = bad_value(line) {
        ctx.alert(line, msg);
        return;
    }
    if let Some(v) = line.word(1) {
        let n = crate::config::units::atol(v);
        match line.keyword() {
            "maxsslconn" if n < 0 => {
                ctx.alert(line, "'maxsslconn' expects a positive numeric value.")
            }
            "maxcompcpuusage" if !(0..=100).contains(&n) => ctx.alert(
                line,
                "'maxcompcpuusage' expects an integer argument between 0 and 100.",
            ),
            _ => {}
        }
        return;
    }
    let kw = line.keyword();
    if let Some((_, msg)) = MISSING_ARG.iter().find(|(k, _)| *k == kw) {
        ctx.alert(line, *msg);
    } else if kw == "httpclient.resolvers.prefer" || kw == "httpclient.ssl.verify" {
        let what = if kw.ends_with("prefer") {
            "'ipv4' or 'ipv6'"
        } else {
            "'none' or 'required'"
        };
        ctx.alert(line, format!("'{kw}' expects {what} as argument."));
        // HAProxy 2.6 then prints its empty error buffer too.
        ctx.alert(line, "(null)");
    } else if kw == "max-spread-checks" {
        let msg = format!(
            "parsing [{}]: 'max-spread-checks' expects an integer argument (0..50).",
            line.loc
        );
        ctx.diags.global(Level::Alert, msg);
    } else if kw == "default-path" {
        ctx.alert(line, "missing default-path mode '' for 'default-path', supported modes include 'current', 'config', 'parent', and 'origin'.");
    }
}

/// HAProxy's refusal of the value of some kept keywords, if any (the text after the
/// `parsing [file:line] : ` prefix).
fn bad_value(line: &Line) -> Option<String> {
    let kw = line.keyword();
    let v = line.word(1).unwrap_or("");
    match kw {
        "ssl-server-verify" if !v.is_empty() && !matches!(v, "none" | "required") => {
            Some("'ssl-server-verify' expects 'none' or 'required' as argument.".into())
        }
        "profiling.tasks" if !matches!(v, "on" | "auto" | "off") => Some(format!(
            "'profiling.tasks' expects either 'on', 'auto', or 'off' but got '{v}'."
        )),
        "thread-groups" => match v.parse::<i64>() {
            Err(_) => Some(format!(
                "'thread-groups' passed a missing or unparsable integer value in '{v}'"
            )),
            // This build of HAProxy 2.6 supports one thread group.
            Ok(n) if n != 1 => Some(format!(
                "'thread-groups' value must be between 1 and 1 (was {n})"
            )),
            Ok(_) => None,
        },
        "cpu-map" if !v.is_empty() && line.word(2).is_some_and(|w| !w.is_empty()) => {
            cpu_map(line).err().map(|e| format!("cpu-map : {e}"))
        }
        "cpu-map" if !v.is_empty() => MISSING_ARG
            .iter()
            .find(|(k, _)| *k == kw)
            .map(|(_, m)| (*m).to_string()),
        _ => None,
    }
}

/// `cpu-map [auto:]PROCS[/THREADS] CPUSET...`, checked as HAProxy 2.6 does: process and
/// thread numbers or ranges from 1 to 64 (or `all`, `odd`, `even`), CPU sets starting
/// with a digit.
fn cpu_map(line: &Line) -> Result<(), String> {
    let first = line.word(1).unwrap_or("");
    let (procs, threads) = match first.split_once('/') {
        Some((p, t)) => (p, Some(t)),
        None => (first, None),
    };
    process_number(procs.strip_prefix("auto:").unwrap_or(procs), 64)?;
    if let Some(t) = threads {
        process_number(t, 64)?;
    }
    for cpus in line.words.iter().skip(2) {
        if !cpus.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("'{cpus}' is not a CPU range."));
        }
    }
    Ok(())
}

/// HAProxy's `parse_process_number()`: `all`, `odd`, `even`, `N`, `LOW-HIGH` or `LOW-`,
/// between 1 and `max`. The error ends with a newline where HAProxy's does.
pub(super) fn process_number(arg: &str, max: i64) -> Result<(), String> {
    if matches!(arg, "all" | "odd" | "even") {
        return Ok(());
    }
    let mut dash = None;
    for (i, c) in arg.char_indices() {
        if c == '-' && dash.is_none() {
            dash = Some(i);
        } else if !c.is_ascii_digit() {
            return Err(format!("'{arg}' is not a valid number/range."));
        }
    }
    let atou = |t: &str| crate::config::units::atol(t).max(0);
    let mut low = atou(arg);
    let mut high = match dash {
        Some(d) if arg.get(d + 1..).is_some_and(str::is_empty) => max,
        Some(d) => atou(arg.get(d + 1..).unwrap_or("")),
        None => low,
    };
    if high < low {
        std::mem::swap(&mut low, &mut high);
    }
    if !(1..=max).contains(&low) || high > max {
        return Err(format!(
            "'{arg}' is not a valid number/range. It supports numbers from 1 to {max}.\n"
        ));
    }
    Ok(())
}

/// `unix-bind [prefix P] [mode M] [user U] [uid N] [group G] [gid N]`: the options are
/// checked as HAProxy does and the line is kept; a second `prefix` is an alert that leaves
/// the configuration valid.
pub fn unix_bind(ctx: &mut GlobalCtx<'_>, line: &Line) {
    let mut prefix_set = ctx.global.kept.iter().any(|(k, args)| {
        k == "unix-bind"
            && args
                .chunks(2)
                .any(|c| c.first().is_some_and(|o| o == "prefix"))
    });
    let mut i = 1;
    while let Some(opt) = line.word(i).filter(|w| !w.is_empty()) {
        let arg = line.word(i + 1).unwrap_or("");
        match opt {
            "prefix" if prefix_set => {
                let msg = "unix-bind 'prefix' already specified. Continuing.";
                ctx.alert_continue(line, msg);
            }
            "prefix" if arg.is_empty() => {
                ctx.alert(line, "unix_bind 'prefix' expects a path as an argument.");
                return;
            }
            "prefix" => prefix_set = true,
            "mode" | "uid" | "gid" => {}
            "user"
                if super::global::lookup_id(&super::global::read_db("/etc/passwd"), arg)
                    .is_none() =>
            {
                ctx.alert(line, format!("'unix-bind' : '{arg}' unknown user."));
                return;
            }
            "group"
                if super::global::lookup_id(&super::global::read_db("/etc/group"), arg)
                    .is_none() =>
            {
                ctx.alert(line, format!("'unix-bind' : '{arg}' unknown group."));
                return;
            }
            "user" | "group" => {}
            _ => {
                ctx.alert(line, "'unix-bind' only supports the 'prefix', 'mode', 'uid', 'gid', 'user' and 'group' options.");
                return;
            }
        }
        i += 2;
    }
    let args = line.words.get(1..).unwrap_or(&[]).to_vec();
    ctx.global.kept.push(("unix-bind".to_string(), args));
}
