//! docs/GLOSSARY.md is generated from the definitions in the code and must not be stale.
//! Regenerate with `scripts/glossary.sh` (sets UNIMETRIC_BLESS=1 for this test).

#[test]
fn glossary_markdown_is_in_sync() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GLOSSARY.md");
    let expected = unimetric::catalog::to_markdown();
    if std::env::var_os("UNIMETRIC_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/GLOSSARY.md is stale: run scripts/glossary.sh and commit the result"
    );
}

#[test]
fn readme_metric_table_is_in_sync() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- metrics:start -->\n", "<!-- metrics:end -->");
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md lacks the metrics markers");
    };
    let table = unimetric::catalog::metric_table("docs/GLOSSARY.md");
    let current = &readme[a + start.len()..b];
    if std::env::var_os("UNIMETRIC_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..a + start.len()], table, &readme[b..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert!(
        current == table,
        "README.md metric table is stale: run scripts/glossary.sh"
    );
}

#[test]
fn every_definition_documents_its_parameters() {
    for d in unimetric::catalog::all() {
        for p in d.parameters {
            assert!(
                !p.default.is_empty() && !p.description.is_empty(),
                "{}:{}",
                d.id,
                p.name
            );
        }
        assert!(d.id.contains('.'), "{} should be namespaced", d.id);
    }
}
