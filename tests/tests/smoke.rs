use basalt_tests::*;

#[test]
fn add_runs_on_the_board() {
    let r = run(
        r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
                   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))"#,
        &[
            ("add", &[Value::I32(2), Value::I32(40)]),
            ("div", &[Value::I32(1), Value::I32(0)]),
            ("add", &[Value::I32(-1), Value::I32(1)]),
        ],
    );
    assert_eq!(r.status, 0, "{}", r.console);
    assert_eq!(
        r.outcomes,
        vec![
            ok(&[Value::I32(42)]),
            Outcome::Trap(Trap::IntegerDivisionByZero),
            ok(&[Value::I32(0)])
        ],
        "{}",
        r.console
    );
}
