//! Issue 13, B01 and B02: PromQL that would overflow promql-parser's recursion or take it
//! quadratic time is refused before it reaches the parser, at the limit and just past it.

use std::time::{Duration, Instant};

use canary_core::promql::{
    MAX_QUERY_BYTES, MAX_QUERY_NESTING, MAX_QUERY_OPERATORS, check_limits, selectors,
};

/// Run `f` on a thread with a 2 MiB stack, as a rayon worker has.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn nested(depth: usize) -> String {
    format!("{}x{}", "(".repeat(depth), ")".repeat(depth))
}

fn chain(operators: usize) -> String {
    let mut q = String::from("sum(rate(x{job=\"a\"}[5m]))");
    for _ in 0..operators {
        q.push_str(" + 1");
    }
    q
}

#[test]
fn nesting_at_the_limit_parses_on_a_small_stack_and_past_it_is_refused() {
    let at = nested(MAX_QUERY_NESTING);
    assert_eq!(check_limits(&nested(MAX_QUERY_NESTING)), Ok(()));
    let selectors_at = on_small_stack(move || selectors(&at));
    assert_eq!(selectors_at.map(|s| s.len()), Ok(1));
    let past = nested(MAX_QUERY_NESTING + 1);
    let err = on_small_stack(move || selectors(&past)).unwrap_err();
    assert!(err.contains("nests brackets 257 deep"), "{err}");
}

#[test]
fn operators_at_the_limit_parse_on_a_small_stack_and_past_it_are_refused() {
    let at = chain(MAX_QUERY_OPERATORS);
    let started = Instant::now();
    let ok = on_small_stack(move || selectors(&at));
    assert_eq!(ok.map(|s| s.len()), Ok(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = selectors(&chain(MAX_QUERY_OPERATORS + 1)).unwrap_err();
    assert!(err.contains("1001 operators"), "{err}");
    // Keywords count too, strings and label matchers do not.
    let words = format!("x{}", " and x".repeat(MAX_QUERY_OPERATORS + 1));
    assert!(check_limits(&words).is_err());
    let matchers = format!("x{{a=\"{}\"}}", "+-*/".repeat(10_000));
    assert_eq!(check_limits(&matchers), Ok(()));
}

#[test]
fn length_at_the_limit_is_checked_and_past_it_is_refused() {
    let pad = |n: usize| {
        let base = "x # ";
        format!("{base}{}", "c".repeat(n - base.len()))
    };
    assert_eq!(check_limits(&pad(MAX_QUERY_BYTES)), Ok(()));
    let err = check_limits(&pad(MAX_QUERY_BYTES + 1)).unwrap_err();
    assert!(err.contains("65537 bytes"), "{err}");
}

/// The reproducers' queries: 2,500 of B01's 5,000 `rate(...)` terms (still under the length limit) in one `sum(...)` overflowed the stack,
/// 32,000 `1 + 1` terms took 18 s. Both are refused at once now.
#[test]
fn the_reproducer_queries_are_refused_quickly_on_a_small_stack() {
    let b01 = format!("sum({})", vec![r#"rate(x{job="a"}[5m])"#; 2500].join(" + "));
    let b02 = vec!["1"; 32_000].join(" + ");
    let started = Instant::now();
    let (e1, e2) = on_small_stack(move || (selectors(&b01), selectors(&b02)));
    assert!(e1.unwrap_err().contains("operators"));
    assert!(e2.unwrap_err().contains("bytes"));
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Measurement aid (not a check): `CANARY_MEASURE=nest:N` or `chain:N` parses such a query on a
/// 2 MiB stack; it aborts with a stack overflow when N is too deep.
#[test]
#[ignore = "measurement aid, run by hand"]
fn measure_stack() {
    let Ok(spec) = std::env::var("CANARY_MEASURE") else {
        return;
    };
    let (kind, n) = spec.split_once(':').unwrap();
    let n: usize = n.parse().unwrap();
    let q = if kind == "nest" { nested(n) } else { chain(n) };
    struct Count(usize);
    impl promql_parser::util::ExprVisitor for Count {
        type Error = ();
        fn pre_visit(&mut self, _: &promql_parser::parser::Expr) -> Result<bool, ()> {
            self.0 += 1;
            Ok(true)
        }
    }
    let r = on_small_stack(move || {
        promql_parser::parser::parse(&q).map(|e| {
            let mut c = Count(0);
            let _ = promql_parser::util::walk_expr(&mut c, &e);
            c.0
        })
    });
    println!("{kind}:{n} -> {r:?}");
}
