//! Attribution against hand-computed fixtures: every heuristic on timed journeys, Markov chains
//! of order 1 and 2 solved by hand (a chain with a cycle, value included), Shapley values of a
//! 3-channel game by the definition, journeys from the library's transactions, row-order
//! invariance, recovery of a known ranking from simulated journeys, and coded errors.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use unimetric::attribution::{
    attribution, compare_attribution, AttributionOptions, ConversionColumns, JourneyPaths,
    Journeys, JourneysFromTransactionsOptions, Model, PathOptions, Purchases, TouchColumns,
};
use unimetric::data::Zone;
use unimetric::{ColumnMapping, IdColumn, TimeColumn, Transactions};

const DAY: f64 = 86_400_000.0;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "{got:?} vs {want:?}");
    }
}

fn paths(rows: &[(&str, f64, f64, f64)]) -> Journeys {
    Journeys::from_paths(
        &JourneyPaths {
            path: rows.iter().map(|r| r.0.to_string()).collect(),
            conversions: rows.iter().map(|r| r.1).collect(),
            value: Some(rows.iter().map(|r| r.2).collect()),
            nulls: Some(rows.iter().map(|r| r.3).collect()),
        },
        &PathOptions::default(),
    )
    .unwrap()
}

fn only(models: &[Model]) -> AttributionOptions {
    AttributionOptions {
        models: Some(models.to_vec()),
        ..AttributionOptions::default()
    }
}

/// Timed journeys (days from 2024-01-01, UTC):
///
/// | journey | touches (day channel)                  | conversions (day value) | paths                         |
/// |---------|----------------------------------------|-------------------------|-------------------------------|
/// | J1      | 0 search · 2 email · 3 direct · 8 social | 4 → 100 · 10 → 30     | [search, email, direct], [social] |
/// | J2      | 1 direct                               | 1 → 50 (same instant)   | [direct]                      |
/// | J3      | 0 search                               | —                       | null [search]                 |
/// | J4      | 0 email                                | 1 → 10 · 3 → 20         | [email], [email] again        |
fn timed() -> Journeys {
    let t0 = 1_704_067_200_000.0; // 2024-01-01
    let touch_ids: Vec<String> = ["J1", "J1", "J1", "J1", "J2", "J3", "J4"]
        .map(String::from)
        .to_vec();
    let touch_days = [0.0, 2.0, 3.0, 8.0, 1.0, 0.0, 0.0];
    let touch_times: Vec<f64> = touch_days.iter().map(|d| t0 + d * DAY).collect();
    let channels: Vec<String> = [
        "search", " email", "direct", "social", "Direct", "search", "email",
    ]
    .map(String::from)
    .to_vec();
    let conv_ids: Vec<String> = ["J4", "J1", "J2", "J1", "J4"].map(String::from).to_vec();
    let conv_times: Vec<f64> = [3.0, 4.0, 1.0, 10.0, 1.0]
        .iter()
        .map(|d| t0 + d * DAY)
        .collect();
    let values = [20.0, 100.0, 50.0, 30.0, 10.0];
    Journeys::from_events(
        TouchColumns {
            journey_id: IdColumn::Text(&touch_ids),
            timestamp: TimeColumn::EpochMs(&touch_times),
            channel: &channels,
        },
        ConversionColumns {
            journey_id: IdColumn::Text(&conv_ids),
            timestamp: TimeColumn::EpochMs(&conv_times),
            value: Some(&values),
        },
        &Zone::utc(),
    )
    .unwrap()
}

#[test]
fn heuristics_on_timed_journeys() {
    let j = timed();
    // "Direct" and "direct" are different channel names; sorted byte order puts "Direct" first.
    assert_eq!(
        j.channels(),
        ["Direct", "direct", "email", "search", "social"]
    );
    assert_eq!(j.path_count(), 6); // 5 conversions + J3's non-converting path
    assert_eq!(j.total_conversions(), 5.0);
    assert_eq!(j.total_nulls(), 1.0);
    let r = attribution(&j, &AttributionOptions::default()).unwrap();
    let c = |m: Model| r.model(m).unwrap().conversions.clone();
    let v = |m: Model| r.model(m).unwrap().value.clone();
    //                         Direct direct email search social
    assert_all_close(&c(Model::FirstTouch), &[1.0, 0.0, 2.0, 1.0, 1.0]);
    assert_all_close(&v(Model::FirstTouch), &[50.0, 0.0, 30.0, 100.0, 30.0]);
    assert_all_close(&c(Model::LastTouch), &[1.0, 1.0, 2.0, 0.0, 1.0]);
    assert_all_close(&v(Model::LastTouch), &[50.0, 100.0, 30.0, 0.0, 30.0]);
    // Last non-direct: J1's first conversion goes to email (direct is skipped, without regard to
    // case); J2 has only "Direct", which keeps its conversion.
    assert_all_close(&c(Model::LastNonDirect), &[1.0, 0.0, 3.0, 0.0, 1.0]);
    let third = 1.0 / 3.0;
    assert_all_close(&c(Model::Linear), &[1.0, third, 2.0 + third, third, 1.0]);
    assert_all_close(
        &v(Model::Linear),
        &[50.0, 100.0 / 3.0, 30.0 + 100.0 / 3.0, 100.0 / 3.0, 30.0],
    );
    // Time decay, half-life 7 days: J1's first path has ages 4, 2 and 1 days.
    let (ws, we, wd) = (
        2f64.powf(-4.0 / 7.0),
        2f64.powf(-2.0 / 7.0),
        2f64.powf(-1.0 / 7.0),
    );
    let s = ws + we + wd;
    assert_all_close(
        &c(Model::TimeDecay),
        &[1.0, wd / s, 2.0 + we / s, ws / s, 1.0],
    );
    // Position based 40/20/40 on the three-touch path.
    assert_all_close(&c(Model::PositionBased), &[1.0, 0.4, 2.2, 0.4, 1.0]);
    let shares = &r.model(Model::LastTouch).unwrap().share;
    assert_all_close(shares, &[0.2, 0.2, 0.4, 0.0, 0.2]);
    // Every model credits every conversion.
    for (name, m) in &r.models {
        let sum: f64 = m.conversions.iter().sum();
        assert!(close(sum, 5.0), "{name}: {sum}");
    }
    assert_eq!(r.totals.conversions, 5.0);
    assert_eq!(r.totals.value, 210.0);
}

#[test]
fn position_weights_and_half_life_are_options() {
    let j = timed();
    let opts = AttributionOptions {
        models: Some(vec![Model::PositionBased, Model::TimeDecay]),
        position_weights: vec![3.0, 0.0, 1.0],
        half_life_days: 1.0,
        ..AttributionOptions::default()
    };
    let r = attribution(&j, &opts).unwrap();
    // 3:0:1 normalised is 0.75 / 0 / 0.25 on J1's three-touch path.
    assert_all_close(
        &r.model(Model::PositionBased).unwrap().conversions,
        &[1.0, 0.25, 2.0, 0.75, 1.0],
    );
    let (ws, we, wd) = (2f64.powi(-4), 2f64.powi(-2), 2f64.powi(-1));
    let s = ws + we + wd;
    assert_all_close(
        &r.model(Model::TimeDecay).unwrap().conversions,
        &[1.0, wd / s, 2.0 + we / s, ws / s, 1.0],
    );
    assert!(r.markov.is_none());
}

/// Order 1, a chain with a cycle (values solved by hand; see the comments).
///
/// Paths: `a > b` (1 conversion, value 10), `b > a` (1 null), `a > b > a` (1 conversion, value
/// 40, 1 null). Transition counts: start→a 3, start→b 1, a→b 3, b→a 3, a→conv 1, a→null 2,
/// b→conv 1. So p(a→b) = 1/2, p(a→conv) = 1/6; p(b→a) = 3/4, p(b→conv) = 1/4.
/// x_a = 1/6 + x_b/2, x_b = 1/4 + 3x_a/4 ⇒ x_a = 7/15, x_b = 3/5, P(conv) = 3/4·7/15 + 1/4·3/5 = 1/2.
/// Without a: x_b = 1/4, P = 1/16, RE_a = 7/8. Without b: x_a = 1/6, P = 1/8, RE_b = 3/4.
/// Credit: 2·(7/8)/(13/8) = 14/13 and 12/13.
/// Value: mean conversion value 40 at a, 10 at b; y_a = 20/3 + y_b/2, y_b = 5/2 + 3y_a/4 ⇒
/// y_a = 38/3, y_b = 12, EV = 25/2. Without a: 5/8, RE = 19/20; without b: 5, RE = 3/5.
/// Value credit 50·19/31 and 50·12/31.
#[test]
fn markov_order_one_by_hand() {
    let j = paths(&[
        ("a > b", 1.0, 10.0, 0.0),
        ("b > a", 0.0, 0.0, 1.0),
        ("a > b > a", 1.0, 40.0, 1.0),
    ]);
    let r = attribution(&j, &only(&[Model::Markov])).unwrap();
    let mk = r.markov.as_ref().unwrap();
    assert!(close(mk.conversion_probability, 0.5));
    assert_all_close(&mk.removal_effects, &[7.0 / 8.0, 3.0 / 4.0]);
    assert_all_close(&mk.value_removal_effects, &[19.0 / 20.0, 3.0 / 5.0]);
    let m = r.model(Model::Markov).unwrap();
    assert_all_close(&m.conversions, &[14.0 / 13.0, 12.0 / 13.0]);
    assert_all_close(&m.value, &[950.0 / 31.0, 600.0 / 31.0]);
    assert_eq!(mk.states, ["(start)", "a", "b", "(conversion)", "(null)"]);
    // Transitions: start→a, start→b, a→b, a→conv, a→null, b→a, b→conv.
    assert_eq!(mk.from, [0, 0, 1, 1, 1, 2, 2]);
    assert_eq!(mk.to, [1, 2, 2, 3, 4, 1, 3]);
    assert_all_close(
        &mk.probability,
        &[0.75, 0.25, 0.5, 1.0 / 6.0, 1.0 / 3.0, 0.75, 0.25],
    );
    assert_eq!(m.definition.metric, "attribution.markov");
}

/// Order 2 on the same paths. States are windows of two channels: `a > b` is (a b); `b > a`
/// is (b a); `a > b > a` is (a b) → (b a). start→(a b) 3, start→(b a) 1; (a b)→conv 1,
/// (a b)→(b a) 2; (b a)→conv 1, (b a)→null 2. x_(b a) = 1/3, x_(a b) = 1/3 + 2/3·1/3 = 5/9,
/// P(conv) = 3/4·5/9 + 1/4·1/3 = 1/2. Every state holds both channels: both effects are 1,
/// one conversion each.
#[test]
fn markov_order_two_by_hand() {
    let j = paths(&[
        ("a > b", 1.0, 10.0, 0.0),
        ("b > a", 0.0, 0.0, 1.0),
        ("a > b > a", 1.0, 40.0, 1.0),
        ("a", 0.0, 0.0, 0.0),
    ]);
    let opts = AttributionOptions {
        order: 2.0,
        ..only(&[Model::Markov])
    };
    let r = attribution(&j, &opts).unwrap();
    let mk = r.markov.as_ref().unwrap();
    // The weightless one-touch path is a state of its own (shorter than the order).
    assert_eq!(
        mk.states,
        ["(start)", "a", "a > b", "b > a", "(conversion)", "(null)"]
    );
    assert_eq!(mk.from, [0, 0, 2, 2, 3, 3]);
    assert_eq!(mk.to, [2, 3, 3, 4, 4, 5]);
    assert_all_close(
        &mk.probability,
        &[0.75, 0.25, 2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 2.0 / 3.0],
    );
    assert!(close(mk.conversion_probability, 0.5));
    assert_all_close(&mk.removal_effects, &[1.0, 1.0]);
    assert_all_close(&r.model(Model::Markov).unwrap().conversions, &[1.0, 1.0]);
    assert_eq!(mk.order, 2);
}

/// Repeats: `a > a > b` converting. Kept (default), a→a is a self-loop with probability 1/2;
/// collapsed, the path is `a > b`.
#[test]
fn repeats_are_kept_unless_collapsed() {
    let j = paths(&[("a > a > b", 1.0, 0.0, 0.0), ("a", 0.0, 0.0, 1.0)]);
    let kept = attribution(&j, &only(&[Model::Markov])).unwrap();
    let mk = kept.markov.unwrap();
    // a: a→a 1, a→b 1, a→null 1 (counts); x_a = x_a/3 + x_b/3, x_b = 1 ⇒ x_a = 1/2.
    assert!(mk.from.iter().zip(&mk.to).any(|(f, t)| f == t && *f == 1));
    assert!(close(mk.conversion_probability, 0.5));
    let collapsed = AttributionOptions {
        collapse_repeats: true,
        ..only(&[Model::Markov])
    };
    let mk = attribution(&j, &collapsed).unwrap().markov.unwrap();
    assert!(!mk.from.iter().zip(&mk.to).any(|(f, t)| f == t));
    // a: a→b 1, a→null 1 ⇒ x_a = 1/2 as well, but through no loop.
    assert!(close(mk.conversion_probability, 0.5));
    // Linear counts touches: a 2/3, b 1/3.
    let lin = attribution(&j, &only(&[Model::Linear])).unwrap();
    assert_all_close(
        &lin.model(Model::Linear).unwrap().conversions,
        &[2.0 / 3.0, 1.0 / 3.0],
    );
}

/// Shapley by the definition: paths with channel sets {a} 3, {a,b} 2, {a,b,c} 6, {c} 1.
/// v(a) = 3, v(b) = 0, v(c) = 1, v(ab) = 5, v(ac) = 4, v(bc) = 1, v(abc) = 12.
/// φ_a = 1/3·3 + 1/6·(5 − 0) + 1/6·(4 − 1) + 1/3·(12 − 1) = 6;
/// φ_b = 1/3·0 + 1/6·(5 − 3) + 1/6·(1 − 1) + 1/3·(12 − 4) = 3;
/// φ_c = 1/3·1 + 1/6·(4 − 3) + 1/6·(1 − 0) + 1/3·(12 − 5) = 3.
#[test]
fn shapley_by_the_definition() {
    let j = paths(&[
        ("a", 3.0, 30.0, 1.0),
        ("a > b > a", 2.0, 0.0, 0.0),
        ("c > b > a", 6.0, 60.0, 0.0),
        ("c", 1.0, 0.0, 4.0),
    ]);
    let opts = AttributionOptions {
        credits: true,
        ..only(&[Model::Shapley])
    };
    let r = attribution(&j, &opts).unwrap();
    let m = r.model(Model::Shapley).unwrap();
    assert_all_close(&m.conversions, &[6.0, 3.0, 3.0]);
    // Value: v_v(a) = 30, v_v(abc) = 90, the rest 30 or 0 ⇒ φ_a = 30 + 20, φ_b = φ_c = 20.
    assert_all_close(&m.value, &[50.0, 20.0, 20.0]);
    // The credit rows split each path equally over its distinct channels and sum to the totals.
    let cr = m.credits.as_ref().unwrap();
    let mut sum = [0.0; 3];
    for (c, w) in cr.channel.iter().zip(&cr.weight) {
        sum[*c as usize] += w;
    }
    assert_all_close(&sum, &[6.0, 3.0, 3.0]);
    assert!(cr.time.is_none());
}

#[test]
fn shapley_refuses_more_than_fifteen_channels_and_is_left_out_by_default() {
    let names: Vec<String> = (0..16).map(|i| format!("ch{i:02}")).collect();
    let j = paths(&[(names.join(" > ").as_str(), 1.0, 0.0, 0.0)]);
    let e = attribution(&j, &only(&[Model::Shapley])).unwrap_err();
    assert_eq!(e.code(), "E_TOO_LARGE");
    let r = attribution(&j, &AttributionOptions::default()).unwrap();
    assert!(!r.models.contains_key("shapley"));
    assert!(!r.models.contains_key("timeDecay"));
    assert!(r.models.contains_key("markov"));
    // Fifteen channels are computed exactly.
    let j = paths(&[(names[..15].join(" > ").as_str(), 1.0, 0.0, 0.0)]);
    let r = attribution(&j, &only(&[Model::Shapley])).unwrap();
    assert_all_close(
        &r.model(Model::Shapley).unwrap().conversions,
        &[1.0 / 15.0; 15],
    );
}

#[test]
fn markov_credits_split_paths_by_removal_effects() {
    let j = paths(&[
        ("a > b", 1.0, 10.0, 0.0),
        ("b > a", 0.0, 0.0, 1.0),
        ("a > b > a", 1.0, 40.0, 1.0),
    ]);
    let opts = AttributionOptions {
        credits: true,
        ..only(&[Model::Markov, Model::LastTouch])
    };
    let r = attribution(&j, &opts).unwrap();
    let cr = r.model(Model::Markov).unwrap().credits.clone().unwrap();
    // Both converting paths hold a and b: each conversion splits 7/8 : 3/4 = 7/13 : 6/13.
    assert_eq!(cr.journey, [0, 0, 2, 2]);
    assert_eq!(cr.channel, [0, 1, 0, 1]);
    assert_all_close(
        &cr.weight,
        &[7.0 / 13.0, 6.0 / 13.0, 7.0 / 13.0, 6.0 / 13.0],
    );
    assert_all_close(
        &cr.value,
        &[70.0 / 13.0, 60.0 / 13.0, 280.0 / 13.0, 240.0 / 13.0],
    );
    let last = r.model(Model::LastTouch).unwrap().credits.clone().unwrap();
    assert_eq!(last.channel, [1, 0]);
    assert_eq!(last.weight, [1.0, 1.0]);
}

#[test]
fn compare_in_plain_words() {
    let j = paths(&[
        ("a > b", 1.0, 10.0, 0.0),
        ("b > a", 0.0, 0.0, 1.0),
        ("a > b > a", 1.0, 40.0, 1.0),
    ]);
    let r = attribution(&j, &only(&[Model::Markov, Model::LastTouch])).unwrap();
    // Last touch: a 1, b 1; Markov a 14/13, b 12/13.
    let cmp = compare_attribution(&r, Model::LastTouch, Model::Markov).unwrap();
    let b = cmp.channels.iter().find(|c| c.channel == "b").unwrap();
    assert!(close(b.relative.unwrap(), 1.0 / 12.0));
    assert_eq!(
        b.summary,
        "Last touch credits b with 8.3 % more conversions than Markov"
    );
    let a = cmp.channels.iter().find(|c| c.channel == "a").unwrap();
    assert_eq!(
        a.summary,
        "Last touch credits a with 7.1 % fewer conversions than Markov"
    );
    let e = compare_attribution(&r, Model::Linear, Model::Markov).unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
}

#[test]
fn results_do_not_depend_on_row_order() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let chans = ["search", "email", "social", "display", "direct"];
    let (mut ids, mut times, mut ch) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cid, mut ctime, mut cval) = (Vec::new(), Vec::new(), Vec::new());
    for j in 0..400u32 {
        let k = rng.gen_range(1..6);
        for i in 0..k {
            ids.push(j);
            times.push(1e12 + (j as f64) * 1e6 + i as f64 * 3.6e6);
            ch.push(chans[rng.gen_range(0..5)].to_string());
        }
        if rng.gen_bool(0.4) {
            cid.push(j);
            ctime.push(1e12 + (j as f64) * 1e6 + k as f64 * 3.6e6);
            cval.push((rng.gen_range(1..100) as f64) * 1.25);
        }
    }
    let build = |order: &[usize], corder: &[usize]| {
        let pick = |v: &Vec<u32>, o: &[usize]| o.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let pickf = |v: &Vec<f64>, o: &[usize]| o.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let ids2 = pick(&ids, order);
        let t2 = pickf(&times, order);
        let ch2: Vec<String> = order.iter().map(|&i| ch[i].clone()).collect();
        let cid2 = pick(&cid, corder);
        let ct2 = pickf(&ctime, corder);
        let cv2 = pickf(&cval, corder);
        let j = Journeys::from_events(
            TouchColumns {
                journey_id: IdColumn::Numeric(&ids2),
                timestamp: TimeColumn::EpochMs(&t2),
                channel: &ch2,
            },
            ConversionColumns {
                journey_id: IdColumn::Numeric(&cid2),
                timestamp: TimeColumn::EpochMs(&ct2),
                value: Some(&cv2),
            },
            &Zone::utc(),
        )
        .unwrap();
        let opts = AttributionOptions {
            order: 2.0,
            ..AttributionOptions::default()
        };
        attribution(&j, &opts).unwrap()
    };
    let forward: Vec<usize> = (0..ids.len()).collect();
    let cforward: Vec<usize> = (0..cid.len()).collect();
    let mut shuffled = forward.clone();
    let mut cshuffled = cforward.clone();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.gen_range(0..=i));
    }
    for i in (1..cshuffled.len()).rev() {
        cshuffled.swap(i, rng.gen_range(0..=i));
    }
    let a = build(&forward, &cforward);
    let b = build(&shuffled, &cshuffled);
    let (ma, mb) = (a.markov.as_ref().unwrap(), b.markov.as_ref().unwrap());
    assert_eq!(ma.removal_effects, mb.removal_effects);
    assert_eq!(ma.conversion_probability, mb.conversion_probability);
    assert_eq!(ma.probability, mb.probability);
    for name in ["firstTouch", "lastTouch", "linear", "shapley", "markov"] {
        assert_eq!(
            a.models[name].conversions, b.models[name].conversions,
            "{name}"
        );
    }
}

/// Recovery: journeys in which each touch of channel c converts the journey with probability
/// p_c, independently (search 0.30 > email 0.15 > social 0.06 > display 0.02), every channel
/// equally likely to be touched. Markov ranks the channels as p does; last touch, which credits
/// whatever came last, does not separate display from social as clearly.
#[test]
fn markov_recovers_the_known_ranking() {
    let p = [0.30, 0.15, 0.06, 0.02];
    let names = ["search", "email", "social", "display"];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut rows: std::collections::BTreeMap<(String, bool), f64> = Default::default();
    for _ in 0..40_000 {
        let mut path = Vec::new();
        let mut converted = false;
        for _ in 0..rng.gen_range(1..=5) {
            let c = rng.gen_range(0..4);
            path.push(names[c]);
            if rng.gen_bool(p[c]) {
                converted = true;
                break;
            }
        }
        *rows.entry((path.join(">"), converted)).or_insert(0.0) += 1.0;
    }
    let mut table: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for ((path, conv), n) in rows {
        let e = table.entry(path).or_insert((0.0, 0.0));
        if conv {
            e.0 += n;
        } else {
            e.1 += n;
        }
    }
    let j = Journeys::from_paths(
        &JourneyPaths {
            path: table.keys().cloned().collect(),
            conversions: table.values().map(|v| v.0).collect(),
            value: None,
            nulls: Some(table.values().map(|v| v.1).collect()),
        },
        &PathOptions::default(),
    )
    .unwrap();
    let r = attribution(&j, &only(&[Model::Markov, Model::Shapley])).unwrap();
    // Channels sorted: display, email, search, social.
    let m = &r.model(Model::Markov).unwrap().conversions;
    let (display, email, search, social) = (m[0], m[1], m[2], m[3]);
    assert!(
        search > email && email > social && social > display,
        "{m:?}"
    );
    let s = &r.model(Model::Shapley).unwrap().conversions;
    assert!(s[2] > s[1] && s[1] > s[3] && s[3] > s[0], "{s:?}");
}

fn tx_fixture() -> Transactions {
    // A buys on Jan 10 (twice that day, and a refund the same day) and Feb 20; B on Jan 5 with no
    // touch in the 30 days before; C never buys.
    let csv = "customer,date,amount
A,2024-01-10T09:00:00Z,40
A,2024-01-10T15:00:00Z,-5
A,2024-01-10T18:00:00Z,25
A,2024-02-20T10:00:00Z,70
B,2024-01-05T10:00:00Z,15
";
    Transactions::from_csv(
        csv.as_bytes(),
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap()
}

#[test]
fn journeys_from_transactions() {
    let tx = tx_fixture();
    let ms = |s: &str| unimetric::data::dates::parse_date_text(s, "t", 1).unwrap() as f64;
    let ids: Vec<String> = ["A", "A", "A", "A", "B", "C", "C"]
        .map(String::from)
        .to_vec();
    let times = [
        ms("2023-12-01T00:00:00Z"), // more than 30 days before A's first purchase
        ms("2024-01-02T00:00:00Z"),
        ms("2024-01-10T09:00:00Z"), // at the purchase's instant: counts
        ms("2024-02-10T00:00:00Z"),
        ms("2023-11-01T00:00:00Z"), // B: outside the window
        ms("2024-01-03T00:00:00Z"),
        ms("2024-01-04T00:00:00Z"),
    ];
    let channels: Vec<String> = [
        "display", "search", "email", "social", "search", "email", "social",
    ]
    .map(String::from)
    .to_vec();
    let touches = || TouchColumns {
        journey_id: IdColumn::Text(&ids),
        timestamp: TimeColumn::EpochMs(&times),
        channel: &channels,
    };
    let first =
        Journeys::from_transactions(touches(), &tx, &JourneysFromTransactionsOptions::default())
            .unwrap();
    // A's first purchase (Jan 10, net 60) credited to search and email; B unattributed; C's
    // touches are a non-converting path.
    assert_eq!(first.total_conversions(), 1.0);
    assert_eq!(first.total_value(), 60.0);
    assert_eq!(first.total_nulls(), 1.0);
    assert_eq!(first.unattributed().conversions, 1.0);
    assert_eq!(first.unattributed().value, 15.0);
    let r = attribution(&first, &only(&[Model::Linear, Model::FirstTouch])).unwrap();
    assert_eq!(r.channels, ["display", "email", "search", "social"]);
    assert_all_close(
        &r.model(Model::Linear).unwrap().conversions,
        &[0.0, 0.5, 0.5, 0.0],
    );
    assert_eq!(r.journeys, ["A", "B", "C"]);
    assert_eq!(r.unattributed.conversions, 1.0);

    let all = Journeys::from_transactions(
        touches(),
        &tx,
        &JourneysFromTransactionsOptions {
            purchases: Purchases::All,
            lookback_days: 45.0,
        },
    )
    .unwrap();
    // 45 days: A's Jan 10 purchase also reaches back to display (Dec 1 is 40 days before);
    // Feb 20 is credited to everything since Jan 6: email (Jan 10) and social (Feb 10).
    assert_eq!(all.total_conversions(), 2.0);
    assert_eq!(all.total_value(), 130.0);
    let r = attribution(&all, &only(&[Model::FirstTouch, Model::LastTouch])).unwrap();
    assert_all_close(
        &r.model(Model::FirstTouch).unwrap().conversions,
        &[1.0, 1.0, 0.0, 0.0],
    );
    assert_all_close(
        &r.model(Model::LastTouch).unwrap().conversions,
        &[0.0, 1.0, 0.0, 1.0],
    );
}

#[test]
fn bad_input_gets_coded_errors() {
    let code = |r: Result<Journeys, unimetric::Error>| r.unwrap_err();
    let opts = PathOptions::default();
    let cols = |path: Vec<&str>, conv: Vec<f64>| JourneyPaths {
        path: path.into_iter().map(String::from).collect(),
        conversions: conv,
        value: None,
        nulls: None,
    };
    let e = code(Journeys::from_paths(
        &cols(vec!["a > > b"], vec![1.0]),
        &opts,
    ));
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("path"), Some(1))
    );
    let e = code(Journeys::from_paths(
        &cols(vec!["a", " "], vec![1.0, 2.0]),
        &opts,
    ));
    assert_eq!((e.code(), e.row()), ("E_MISSING_VALUE", Some(2)));
    let e = code(Journeys::from_paths(
        &cols(vec!["a", "b"], vec![1.0]),
        &opts,
    ));
    assert_eq!(
        (e.code(), e.column()),
        ("E_LENGTH_MISMATCH", Some("conversions"))
    );
    let e = code(Journeys::from_paths(
        &cols(vec!["a", "b"], vec![1.0, f64::NAN]),
        &opts,
    ));
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_NON_FINITE", Some("conversions"), Some(2))
    );
    let e = code(Journeys::from_paths(&cols(vec!["a"], vec![-1.0]), &opts));
    assert_eq!(e.code(), "E_NEGATIVE");
    let e = code(Journeys::from_paths(&cols(vec![], vec![]), &opts));
    assert_eq!(e.code(), "E_EMPTY");
    let many: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let e = code(Journeys::from_paths(
        &JourneyPaths {
            path: vec![many.join(">")],
            conversions: vec![1.0],
            value: None,
            nulls: None,
        },
        &opts,
    ));
    assert_eq!(e.code(), "E_TOO_LARGE");
    let e = code(Journeys::from_paths(
        &cols(vec!["a"], vec![1.0]),
        &PathOptions {
            separator: String::new(),
        },
    ));
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("separator")));

    // Options.
    let j = paths(&[("a > b", 1.0, 0.0, 0.0)]);
    let bad = |o: AttributionOptions| attribution(&j, &o).unwrap_err();
    let e = bad(AttributionOptions {
        order: 5.0,
        ..AttributionOptions::default()
    });
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("order")));
    let e = bad(only(&[Model::TimeDecay]));
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("models")));
    let e = bad(AttributionOptions {
        position_weights: vec![0.5, 0.5],
        ..AttributionOptions::default()
    });
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("positionWeights"))
    );
    let e = bad(AttributionOptions {
        half_life_days: 0.0,
        ..AttributionOptions::default()
    });
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("halfLifeDays"))
    );
    let e = bad(only(&[]));
    assert_eq!(e.code(), "E_BAD_OPTION");
    let none = paths(&[("a > b", 0.0, 0.0, 3.0)]);
    let e = attribution(&none, &AttributionOptions::default()).unwrap_err();
    assert_eq!(e.code(), "E_INSUFFICIENT_DATA");

    // Events: a conversion before every touch of its journey, a journey with conversions but
    // no touchpoint, mismatched columns, a blank channel.
    let ids = vec!["j1".to_string(), "j1".to_string()];
    let times = [1e12, 2e12];
    let ch = vec!["a".to_string(), "b".to_string()];
    let events = |cid: &[String], ct: &[f64], ch: &[String]| {
        Journeys::from_events(
            TouchColumns {
                journey_id: IdColumn::Text(&ids),
                timestamp: TimeColumn::EpochMs(&times),
                channel: ch,
            },
            ConversionColumns {
                journey_id: IdColumn::Text(cid),
                timestamp: TimeColumn::EpochMs(ct),
                value: None,
            },
            &Zone::utc(),
        )
    };
    let e = code(events(&["j1".into()], &[0.5e12], &ch));
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_OUT_OF_RANGE", Some("timestamp"), Some(1))
    );
    let e = code(events(&["j1".into(), "j9".into()], &[3e12, 3e12], &ch));
    assert_eq!((e.code(), e.row()), ("E_OUT_OF_RANGE", Some(2)));
    assert!(e.to_string().contains("'j9'"), "{e}");
    let e = code(events(&["j1".into()], &[3e12, 4e12], &ch));
    assert_eq!(
        (e.code(), e.column()),
        ("E_LENGTH_MISMATCH", Some("timestamp"))
    );
    let e = code(events(&["j1".into()], &[3e12], &["a".into(), "  ".into()]));
    assert_eq!(
        (e.code(), e.column(), e.row()),
        ("E_MISSING_VALUE", Some("channel"), Some(2))
    );
    let e = code(events(&["j1".into()], &[f64::NAN], &ch));
    assert_eq!(e.code(), "E_NON_FINITE");
}

#[test]
fn journeys_from_csv() {
    let touches = "user;when;source\nu1;2024-03-01T10:00:00;search\nu1;2024-03-02T10:00:00;email\nu2;2024-03-01T10:00:00;email\n";
    let conversions = "user,when,revenue\nu1,2024-03-02 12:00,80\n";
    let mapping: unimetric::attribution::JourneyMapping = serde_json::from_str(
        r#"{"journeyId":"user","timestamp":"when","channel":"source","value":"revenue","timezone":"Europe/Paris"}"#,
    )
    .unwrap();
    let j = Journeys::from_csv(touches.as_bytes(), conversions.as_bytes(), &mapping).unwrap();
    assert_eq!(j.total_conversions(), 1.0);
    assert_eq!(j.total_value(), 80.0);
    assert_eq!(j.total_nulls(), 1.0);
    let r = attribution(&j, &only(&[Model::LastTouch])).unwrap();
    assert_eq!(r.model(Model::LastTouch).unwrap().conversions, [1.0, 0.0]);
    let missing = "user,at,revenue\nu1,2024-03-02,80\n";
    let e = Journeys::from_csv(touches.as_bytes(), missing.as_bytes(), &mapping).unwrap_err();
    assert_eq!(e.code(), "E_MISSING_COLUMN");
    let bad_date = "user,when,revenue\nu1,yesterday,80\n";
    let e = Journeys::from_csv(touches.as_bytes(), bad_date.as_bytes(), &mapping).unwrap_err();
    assert_eq!((e.code(), e.row()), ("E_BAD_DATE", Some(2)));
}

/// The PyPI package `channelattribution` 2.2.5 on two datasets
/// (`tests/fixtures/peers/attribution_channelattribution.json`, written by the script beside
/// it): its heuristics exactly; its Markov model (a simulation, with repeats always merged, so
/// `collapseRepeats: true`) within four standard errors of its mean over ten seeds, run with
/// `max_step = 1000` so that no simulated path is cut short; and the script's own exact solver
/// of the chain as ChannelAttribution builds it to 1e-9.
#[test]
fn matches_channelattribution() {
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "fixtures/peers/attribution_channelattribution.json"
    ))
    .unwrap();
    let seeds = fixture["markov_settings"]["seeds"]
        .as_array()
        .unwrap()
        .len() as f64;
    for name in ["small", "sim"] {
        let d = &fixture["datasets"][name];
        let rows = d["rows"].as_array().unwrap();
        let col = |i: usize| -> Vec<f64> { rows.iter().map(|r| r[i].as_f64().unwrap()).collect() };
        let j = Journeys::from_paths(
            &JourneyPaths {
                path: rows
                    .iter()
                    .map(|r| r[0].as_str().unwrap().to_string())
                    .collect(),
                conversions: col(1),
                value: Some(col(2)),
                nulls: Some(col(3)),
            },
            &PathOptions {
                separator: d["sep"].as_str().unwrap().to_string(),
            },
        )
        .unwrap();
        let by_name =
            |m: &unimetric::attribution::ModelCredit, values: bool, want: &serde_json::Value| {
                for (i, ch) in m.channels.iter().enumerate() {
                    let got = if values { m.value[i] } else { m.conversions[i] };
                    let w = want[ch]
                        .as_f64()
                        .unwrap_or_else(|| panic!("{name}: no {ch} in {want}"));
                    assert!(
                        (got - w).abs() <= 1e-9 * w.abs().max(1.0),
                        "{name} {ch}: {got} vs {w}"
                    );
                }
            };
        let h = &d["heuristics"];
        let r = attribution(
            &j,
            &only(&[Model::FirstTouch, Model::LastTouch, Model::Linear]),
        )
        .unwrap();
        for (model, key) in [
            (Model::FirstTouch, "first_touch"),
            (Model::LastTouch, "last_touch"),
            (Model::Linear, "linear_touch"),
        ] {
            let m = r.model(model).unwrap();
            by_name(m, false, &h[format!("{key}_conversions")]);
            by_name(m, true, &h[format!("{key}_value")]);
        }
        for order in [1, 2] {
            let mk = &d[format!("markov_order{order}")];
            let opts = AttributionOptions {
                order: order as f64,
                collapse_repeats: true,
                ..only(&[Model::Markov])
            };
            let r = attribution(&j, &opts).unwrap();
            let m = r.model(Model::Markov).unwrap();
            let report = r.markov.as_ref().unwrap();
            let exact = &mk["exact"]["untruncated"];
            assert!(
                (report.conversion_probability - exact["p_conversion"].as_f64().unwrap()).abs()
                    < 1e-12
            );
            by_name(m, false, &exact["total_conversions"]);
            by_name(m, true, &exact["total_conversion_value"]);
            let mc = &mk["mc_max_step"];
            for (i, ch) in m.channels.iter().enumerate() {
                for (ours, key) in [
                    (m.conversions[i], "total_conversions"),
                    (m.value[i], "total_conversion_value"),
                    (report.removal_effects[i], "removal_effects_conversion"),
                    (
                        report.value_removal_effects[i],
                        "removal_effects_conversion_value",
                    ),
                ] {
                    let mean = mc["mean"][key][ch].as_f64().unwrap();
                    let sd = mc["sd"][key][ch].as_f64().unwrap();
                    assert!(
                        (ours - mean).abs() <= 4.0 * sd / seeds.sqrt() + 1e-12,
                        "{name} order {order} {key} {ch}: {ours} vs {mean} ± {sd}"
                    );
                }
            }
        }
    }
}

/// CAC by attributed channel, counted by hand. New customers: A (10 Jan; touches search 2 Jan
/// and email 10 Jan: linear 0.5 each), B (5 Jan, no touch: unknown), D (3 Feb; email 1 Feb).
/// Spend: January search 100, email 50; February email 40.
/// January: search 100 / 0.5 = 200, email 50 / 0.5 = 100, unknown 1 customer and no spend;
/// blended 150 / 2 = 75 as without attribution. February: email 40 / 1 = 40.
#[test]
fn cac_by_attributed_channel() {
    use unimetric::cac::{cac, AttributedAcquisitions, CacOptions, Variant};
    use unimetric::data::spend::{Spend, SpendMapping};
    let tx = Transactions::from_csv(
        b"customer,date,amount\nA,2024-01-10T09:00:00Z,40\nB,2024-01-05T10:00:00Z,15\nD,2024-02-03T10:00:00Z,20\nA,2024-02-20T10:00:00Z,70\n",
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let ms = |s: &str| unimetric::data::dates::parse_date_text(s, "t", 1).unwrap() as f64;
    let ids: Vec<String> = ["A", "A", "D"].map(String::from).to_vec();
    let times = [
        ms("2024-01-02"),
        ms("2024-01-10T09:00:00Z"),
        ms("2024-02-01"),
    ];
    let channels: Vec<String> = ["search", "email", "email"].map(String::from).to_vec();
    let j = Journeys::from_transactions(
        TouchColumns {
            journey_id: IdColumn::Text(&ids),
            timestamp: TimeColumn::EpochMs(&times),
            channel: &channels,
        },
        &tx,
        &JourneysFromTransactionsOptions::default(),
    )
    .unwrap();
    let opts = AttributionOptions {
        credits: true,
        ..only(&[Model::Linear, Model::Markov])
    };
    let r = attribution(&j, &opts).unwrap();
    let spend = Spend::from_csv(
        b"m,ch,a\n2024-01-01,search,100\n2024-01-01,email,50\n2024-02-01,email,40\n",
        &SpendMapping::new("m", "ch", "a"),
    )
    .unwrap();
    let table = cac(
        &spend,
        &tx,
        &CacOptions {
            attributed: Some(AttributedAcquisitions::from_result(&r, Model::Linear).unwrap()),
            ..CacOptions::default()
        },
    )
    .unwrap();
    let row = |month: usize, channel: Option<&str>| {
        table
            .rows
            .iter()
            .filter(|x| x.channel.as_deref() == channel)
            .filter(|x| channel.is_some() || x.variant == Variant::Blended)
            .nth(month)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            row(0, Some("search")).new_customers,
            row(0, Some("search")).value
        ),
        (0.5, Some(200.0))
    );
    assert_eq!(
        (
            row(0, Some("email")).new_customers,
            row(0, Some("email")).value
        ),
        (0.5, Some(100.0))
    );
    assert_eq!(row(0, Some("unknown")).new_customers, 1.0);
    assert_eq!(row(0, Some("unknown")).value, None);
    assert_eq!(
        (row(0, None).new_customers, row(0, None).value),
        (2.0, Some(75.0))
    );
    assert_eq!(
        (
            row(1, Some("email")).new_customers,
            row(1, Some("email")).value
        ),
        (1.0, Some(40.0))
    );
    let def = &row(0, Some("email")).definition;
    assert_eq!(def.metric, "cac.attributed");
    assert_eq!(
        def.params["model"],
        unimetric::glossary::ParamValue::Text("linear".into())
    );

    // Markov credits of a path split by removal effects; here every conversion's path is
    // search > email or email alone, so February's email customer is email's in any model.
    let markov = cac(
        &spend,
        &tx,
        &CacOptions {
            attributed: Some(AttributedAcquisitions::from_result(&r, Model::Markov).unwrap()),
            ..CacOptions::default()
        },
    )
    .unwrap();
    let feb_email = markov
        .rows
        .iter()
        .filter(|x| x.channel.as_deref() == Some("email"))
        .nth(1)
        .unwrap();
    assert_eq!(feb_email.new_customers, 1.0);

    // Errors: no credits, credits of aggregated paths, both an acquisition table and credits.
    let plain = attribution(&j, &only(&[Model::Linear])).unwrap();
    let e = AttributedAcquisitions::from_result(&plain, Model::Linear).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
    let e = AttributedAcquisitions::from_result(&r, Model::Shapley).unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    let mut bad = AttributedAcquisitions::from_result(&r, Model::Linear).unwrap();
    bad.weight[0] = f64::NAN;
    let e = cac(
        &spend,
        &tx,
        &CacOptions {
            attributed: Some(bad),
            ..CacOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_NON_FINITE");
}
