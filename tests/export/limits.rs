//! Size limits: an artifact file larger than `max_artifact_bytes` is refused, naming the
//! artifact, by export (leaving the repository as it was) and by apply (before that artifact is
//! written); tested with a lowered limit, never with gigabytes.

use crate::common::pair::Pair;
use crate::common::{b64, zip};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

fn set_limit(p: &Pair, bytes: u64) {
    let path = p.repo.path().join("cpi-gitops.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("max_artifact_bytes"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, format!("max_artifact_bytes = {bytes}\n{text}")).unwrap();
    p.repo.commit_all("max_artifact_bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_above_max_artifact_bytes_are_refused_naming_the_artifact() {
    let p = Pair::new(Seed::Empty).await;
    let manifest =
        b"Manifest-Version: 1.0\r\nBundle-SymbolicName: Big_Flow\r\nBundle-Version: 1.0.0\r\n\r\n";
    let big = vec![b'x'; 20_000];
    let r = p
        .primary
        .send(
            Method::POST,
            "IntegrationDesigntimeArtifacts",
            Some(json!({"Id": "Big_Flow", "Name": "Big Flow", "PackageId": "Orders", "ArtifactContent": b64(&zip(&[
                ("META-INF/MANIFEST.MF", manifest),
                ("src/main/resources/lib/big.jar", &big),
            ]))})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Under the default limit it is exported like any artifact.
    p.repo.export_ok().await;
    set_limit(&p, 16_384);
    let head = p.repo.head();
    let apply = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(
        apply.stdout.contains("integration-flow/Big_Flow")
            && apply.stdout.contains("more than the limit of 16384 bytes"),
        "{}",
        apply.stdout
    );
    assert!(
        p.secondary
            .get("IntegrationDesigntimeArtifacts(Id='Big_Flow',Version='active')")
            .await
            .status
            == 404,
        "the artifact was not written"
    );

    // Changed on the primary, it is downloaded again: the export refuses it.
    let r = p
        .primary
        .send(
            Method::PUT,
            "IntegrationDesigntimeArtifacts(Id='Big_Flow',Version='active')",
            Some(json!({"ArtifactContent": b64(&zip(&[
                ("META-INF/MANIFEST.MF", manifest),
                ("src/main/resources/lib/big.jar", &big),
                ("src/main/resources/lib/more.txt", b"more"),
            ]))})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let export = p.run(&["export", "--tenant", "primary"]);
    assert_eq!(export.code, 1, "{}", export.all());
    for want in [
        "integration-flow/Big_Flow",
        "src/main/resources/lib/big.jar",
        "20000 bytes",
        "16384",
        "max_artifact_bytes",
    ] {
        assert!(
            export.stderr.contains(want),
            "says {want:?}: {}",
            export.stderr
        );
    }
    assert_eq!(p.repo.head(), head, "the failed export committed nothing");
    assert!(p.repo.is_clean(), "and left the work tree as it was");

    set_limit(&p, 20_000);
    let apply = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(apply.code, 0, "at the limit it is written: {}", apply.all());
    p.repo.export_ok().await;
    set_limit(&p, 0);
    let zero = p.run(&["plan", "--tenant", "secondary"]);
    assert_eq!(zero.code, 1);
    assert!(
        zero.stderr
            .contains("max_artifact_bytes must be at least 1"),
        "{}",
        zero.stderr
    );
}
