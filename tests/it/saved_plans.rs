//! Saved plans: `plan --out FILE` then `deploy FILE` applies exactly what was reviewed, and refuses,
//! changing nothing, once the stack files or live AWS moved.

use crate::harness::deployed;

#[test]
fn a_saved_plan_is_applied_exactly_and_refused_once_anything_moved() {
    let (moto, p) = deployed();
    p.edit("fintech.yaml", "api_memory_mb: 512", "api_memory_mb: 1024");
    let shown = p.run(&["plan", "--out", "plan.json"]).expect(0).stdout();
    assert!(shown.contains("memory_mb: 512 -> 1024"), "{shown}");
    assert!(shown.contains("Saved the plan to plan.json"), "{shown}");
    let file = std::fs::read_to_string(p.path("plan.json")).unwrap();
    assert!(file.contains("\"kind\": \"fintech-saved-plan\""), "{file}");

    // The stack files moved.
    p.edit("fintech.yaml", "api_timeout_s: 30", "api_timeout_s: 20");
    moto.reset_recording();
    let refused = p.run(&["deploy", "plan.json"]).expect(1).stderr();
    assert!(
        refused
            .contains("the stack files (fintech.yaml, stacks/) changed since the plan was saved"),
        "{refused}"
    );
    assert_eq!(
        moto.mutating_calls().len(),
        0,
        "{:?}",
        moto.mutating_calls()
    );
    p.edit("fintech.yaml", "api_timeout_s: 20", "api_timeout_s: 30");

    // Live AWS moved: someone changed the function by hand.
    let set_memory = |mb: u32| {
        p.py(&format!(
            "c('lambda').update_function_configuration(FunctionName='fintech-tracker-dev-api', MemorySize={mb})\nout(0)"
        ))
    };
    set_memory(256);
    moto.reset_recording();
    let refused = p.run(&["deploy", "plan.json"]).expect(1).stderr();
    assert!(refused.contains("live AWS (or the app's sources) changed since the plan was saved: the plan now differs for api"), "{refused}");
    assert_eq!(
        moto.mutating_calls().len(),
        0,
        "{:?}",
        moto.mutating_calls()
    );

    // Put back, the plan is what it was; but saved for another account, it is refused.
    set_memory(512);
    let saved = std::fs::read_to_string(p.path("plan.json")).unwrap();
    std::fs::write(
        p.path("other-account.json"),
        saved.replace(
            "\"account\": \"123456789012\"",
            "\"account\": \"210987654321\"",
        ),
    )
    .unwrap();
    let elsewhere = p.run(&["deploy", "other-account.json"]).expect(1).stderr();
    assert!(
        elsewhere.contains(
            "saved for AWS account 210987654321, and these credentials are for account 123456789012"
        ),
        "{elsewhere}"
    );
    // As saved, it is applied, with no question (it was reviewed).
    let wrong = p
        .run(&["deploy", "plan.json", "--stage", "prod"])
        .expect(1)
        .stderr();
    assert!(
        wrong.contains("--stage prod was given, but the saved plan is for dev"),
        "{wrong}"
    );
    let applied = p.run(&["deploy", "plan.json"]).expect(0).stdout();
    assert!(applied.contains("0 created, 1 updated"), "{applied}");
    assert!(p.run(&["plan"]).expect(0).stdout().contains("No changes."));

    // Once applied, the plan is stale.
    let stale = p.run(&["deploy", "plan.json"]).expect(1).stderr();
    assert!(
        stale.contains("changed since the plan was saved"),
        "{stale}"
    );
    std::fs::write(p.path("other.json"), "{\"plan\": 1}").unwrap();
    let bad = p.run(&["deploy", "other.json"]).expect(1).stderr();
    assert!(
        bad.contains("is not a plan saved by `fintech plan --out`"),
        "{bad}"
    );
}
