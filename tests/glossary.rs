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
    let table = unimetric::catalog::metric_index("docs/GLOSSARY.md");
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

/// Every definition's id, version and the SHA-256 of its canonical text
/// (`unimetric::catalog::canonical_text`: formula, unit, parameters, dependencies' versions) as
/// recorded in `tests/fixtures/definition_versions.csv`.
mod versions {
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;
    use unimetric::glossary::Definition;

    const PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/definition_versions.csv"
    );
    const HEADER: &str = "id,version,sha256";

    fn sha256(text: &str) -> String {
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn semver(v: &str) -> (u64, u64, u64) {
        let mut it = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        )
    }

    fn render(defs: &[&Definition]) -> String {
        let mut s = format!("{HEADER}\n");
        for d in defs {
            let hash = sha256(&unimetric::catalog::canonical_text(d));
            s.push_str(&format!("{},{},{hash}\n", d.id, d.version));
        }
        s
    }

    fn recorded() -> BTreeMap<String, (String, String)> {
        let text = std::fs::read_to_string(PATH).unwrap_or_default();
        text.lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f.len() == 3).then(|| (f[0].to_string(), (f[1].to_string(), f[2].to_string())))
            })
            .collect()
    }

    /// The problems of the current definitions against the recorded table: a definition whose
    /// canonical text changed without a version bump, a version that went backwards, a
    /// dependency with a new major version while its dependent kept its major.
    pub fn problems(
        defs: &[&Definition],
        table: &BTreeMap<String, (String, String)>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let version_of = |id: &str| defs.iter().find(|d| d.id == id).map(|d| d.version);
        for d in defs {
            let hash = sha256(&unimetric::catalog::canonical_text(d));
            let Some((old_version, old_hash)) = table.get(d.id) else {
                continue;
            };
            let (now, then) = (semver(d.version), semver(old_version));
            let before = out.len();
            for dep in d.depends_on {
                let (Some(dep_now), Some((dep_then, _))) = (version_of(dep), table.get(*dep))
                else {
                    continue;
                };
                if semver(dep_now).0 > semver(dep_then).0 && now.0 <= then.0 {
                    out.push(format!(
                        "{}: it builds on {dep}, which moved to a new major version ({dep_then} → \
                         {dep_now}), so its numbers can move too: give {} a new major version \
                         (now {}), record it in CHANGELOG.md and run scripts/glossary.sh",
                        d.id, d.id, d.version
                    ));
                }
            }
            if out.len() > before {
                continue;
            }
            if now < then {
                out.push(format!(
                    "{}: version {} is lower than the recorded {old_version}",
                    d.id, d.version
                ));
            } else if hash != *old_hash && now == then {
                out.push(format!(
                    "{}: its formula, unit, parameters or a dependency's version changed, but its \
                     version is still {}. Bump its version (major when any number it computes can \
                     change), record the change in CHANGELOG.md (Unreleased) and run \
                     scripts/glossary.sh to update tests/fixtures/definition_versions.csv",
                    d.id, d.version
                ));
            }
        }
        out
    }

    #[test]
    fn definition_versions_follow_their_formulas() {
        let defs = unimetric::catalog::all();
        let table = recorded();
        let problems = problems(&defs, &table);
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
        let expected = render(&defs);
        if std::env::var_os("UNIMETRIC_BLESS").is_some() {
            std::fs::write(PATH, &expected).unwrap();
            return;
        }
        let actual = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            actual == expected,
            "tests/fixtures/definition_versions.csv is stale (a definition was added, removed or \
             bumped): run scripts/glossary.sh and commit the result"
        );
    }

    /// Every dependency names a definition of the catalog, and the graph has no cycle.
    #[test]
    fn dependencies_exist_and_have_no_cycle() {
        let defs = unimetric::catalog::all();
        let find = |id: &str| defs.iter().find(|d| d.id == id);
        for d in &defs {
            for dep in d.depends_on {
                assert!(find(dep).is_some(), "{} depends on unknown {dep}", d.id);
                assert_ne!(*dep, d.id, "{} depends on itself", d.id);
            }
        }
        // Depth-first search from every definition; a definition met again on the current path
        // closes a cycle.
        fn visit<'a>(
            id: &'a str,
            defs: &[&'a Definition],
            path: &mut Vec<&'a str>,
            done: &mut Vec<&'a str>,
        ) {
            if done.contains(&id) {
                return;
            }
            assert!(!path.contains(&id), "dependency cycle: {path:?} → {id}");
            path.push(id);
            if let Some(d) = defs.iter().find(|d| d.id == id) {
                for dep in d.depends_on {
                    visit(dep, defs, path, done);
                }
            }
            path.pop();
            done.push(id);
        }
        let mut done = Vec::new();
        for d in &defs {
            visit(d.id, &defs, &mut Vec::new(), &mut done);
        }
    }

    /// The guard itself: a formula edited without a bump, a dependency's major bump without the
    /// dependent's, and a version that goes backwards are each reported, naming the id.
    #[test]
    fn the_guard_names_what_changed_without_a_bump() {
        let base = unimetric::kpi::AOV;
        let dep = unimetric::kpi::ORDERS;
        let table: BTreeMap<String, (String, String)> = [&base, &dep]
            .iter()
            .map(|d| {
                let h = sha256(&unimetric::catalog::canonical_text(d));
                (d.id.to_string(), (d.version.to_string(), h))
            })
            .collect();
        assert!(problems(&[&base, &dep], &table).is_empty());
        // A formula edited, same version.
        let edited = Definition {
            formula: Box::leak(format!("{} + 1", base.formula).into_boxed_str()),
            ..base
        };
        let p = problems(&[&edited, &dep], &table);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("orders.aov: its formula") && p[0].contains("Bump its version"));
        // A parameter's range changed, same version.
        const PARAMS: &[unimetric::glossary::ParameterDef] =
            &[unimetric::summary::PERIOD.range(0.0, 1.0)];
        let ranged = Definition {
            parameters: PARAMS,
            ..base
        };
        assert_eq!(problems(&[&ranged, &dep], &table).len(), 1);
        // The dependency takes a new major version; the dependent keeps its own.
        let major = format!("{}.0.0", semver(dep.version).0 + 1);
        let bumped_dep = Definition {
            version: Box::leak(major.into_boxed_str()),
            ..dep
        };
        let p = problems(&[&base, &bumped_dep], &table);
        assert!(
            p.iter()
                .any(|m| m.starts_with("orders.aov: it builds on orders.count")),
            "{p:?}"
        );
        // A minor bump of the dependent is not enough; a major one is.
        let minor = Definition {
            version: Box::leak(
                format!(
                    "{}.{}.0",
                    semver(base.version).0,
                    semver(base.version).1 + 1
                )
                .into_boxed_str(),
            ),
            ..base
        };
        assert!(!problems(&[&minor, &bumped_dep], &table).is_empty());
        let major_base = Definition {
            version: Box::leak(format!("{}.0.0", semver(base.version).0 + 1).into_boxed_str()),
            ..base
        };
        assert!(problems(&[&major_base, &bumped_dep], &table).is_empty());
        // Backwards.
        let lower = Definition {
            version: "0.0.1",
            ..base
        };
        assert!(problems(&[&lower, &dep], &table)[0].contains("lower than the recorded"));
    }
}
