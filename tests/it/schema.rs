//! The generated JSON Schemas accept the bundled stack files and reject a misspelt field, checked
//! with Python's `jsonschema` (installed with moto), as an editor would.

use crate::harness::{Moto, Project};

#[test]
fn the_schemas_accept_the_bundled_files_and_catch_typos() {
    let moto = Moto::start();
    let p = Project::new(&moto);
    std::fs::write(
        p.path("stack.schema.json"),
        p.run(&["schema", "stack"]).expect(0).stdout(),
    )
    .unwrap();
    std::fs::write(
        p.path("project.schema.json"),
        p.run(&["schema", "project"]).expect(0).stdout(),
    )
    .unwrap();
    let code = "import json, yaml, jsonschema\n\
        s, pr = json.load(open('stack.schema.json')), json.load(open('project.schema.json'))\n\
        for f in ['stacks/common.yaml', 'stacks/serverless.yaml', 'stacks/containers.yaml']:\n\
        \x20   jsonschema.validate(yaml.safe_load(open(f)), s)\n\
        jsonschema.validate(yaml.safe_load(open('fintech.yaml')), pr)\n\
        bad = yaml.safe_load(open('stacks/serverless.yaml'))\n\
        bad['resources']['api']['memroy_mb'] = 1\n\
        try:\n\
        \x20   jsonschema.validate(bad, s)\n\
        \x20   print('not caught')\n\
        except jsonschema.ValidationError:\n\
        \x20   print('caught')\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(p.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "caught");
}
