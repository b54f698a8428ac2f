//! The real AI-service clients (image makers and prompt writers) against
//! local HTTP servers that speak each service's documented protocol: the
//! requests are checked field by field, and the answers include errors,
//! slowness and nonsense.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::creation::CreationKind;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use memoreez::generation::concepts::remote::RemoteImages;
use memoreez::generation::concepts::service::{Endpoint, Service};
use memoreez::generation::concepts::writer::ChatWriter;
use memoreez::generation::concepts::{Brief, ImageMaker, PromptWriter, compose_briefs};
use memoreez::generation::image_to_3d::{Hunyuan3d, MakeError, ModelMaker};
use memoreez::generation::meshy::{Meshy, MeshyApi, MeshyText};
use memoreez::generation::text_to_3d::TextModelMaker;
use serde_json::{Value, json};

mod common;

/// What the fake service answers to the n-th call (from 0).
type Script = Arc<dyn Fn(usize, &HeaderMap, &Value) -> Response + Send + Sync>;

#[derive(Clone)]
struct Fake {
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    /// How long each answer takes.
    delay: Duration,
    script: Script,
}

async fn answer(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let n = fake.calls.fetch_add(1, Ordering::SeqCst);
    let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    fake.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(fake.delay).await;
    let response = (fake.script)(n, &headers, &body);
    fake.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

/// Serves `script` at `path` on a free local port; returns the base URL.
async fn serve(path: &str, script: Script) -> (String, Fake) {
    // Long enough for overlapping calls to overlap.
    serve_slowly(path, Duration::from_millis(30), script).await
}

async fn serve_slowly(path: &str, delay: Duration, script: Script) -> (String, Fake) {
    let fake = Fake {
        calls: Arc::default(),
        in_flight: Arc::default(),
        most_in_flight: Arc::default(),
        delay,
        script,
    };
    let app = Router::new().route(path, post(answer)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn picture(format: image::ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 128]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

fn brief() -> Brief {
    let story = app::story::Story::new(vec!["sailing"], "Loves the sea.").unwrap();
    compose_briefs(&story, 0).remove(0)
}

fn openai(base: &str) -> RemoteImages {
    let service =
        Endpoint::OpenAi { base: format!("{base}/v1"), model: "gpt-image-1".into(), key: "test-key".into() };
    RemoteImages::new(
        service,
        Service::new(Duration::from_secs(5), 2).with_retries(3, Duration::from_millis(10)),
    )
}

fn openai_ok(png: Vec<u8>) -> Script {
    Arc::new(move |_, _, _| {
        Json(json!({ "created": 1, "data": [{ "b64_json": STANDARD.encode(&png) }] })).into_response()
    })
}

#[tokio::test]
async fn openai_compatible_images_are_asked_for_as_documented() {
    let png = picture(image::ImageFormat::Png);
    let seen = Arc::new(std::sync::Mutex::new(None));
    let record = seen.clone();
    let answer = openai_ok(png.clone());
    let script: Script = Arc::new(move |n, headers, body| {
        *record.lock().unwrap() = Some((headers.get("authorization").cloned(), body.clone()));
        answer(n, headers, body)
    });
    let (base, fake) = serve("/v1/images/generations", script).await;
    let drawn = openai(&base).draw(&brief()).await.unwrap();
    assert_eq!(drawn, png, "the service's picture, byte for byte");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);

    let (auth, body) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(auth.unwrap(), "Bearer test-key");
    assert_eq!(body["model"], "gpt-image-1");
    assert_eq!(body["n"], 1);
    assert_eq!(body["response_format"], "b64_json");
    assert_eq!(body["size"], "1024x1024");
    let prompt = body["prompt"].as_str().unwrap();
    assert!(prompt.contains("sailboat") && prompt.contains("plain white background"), "{prompt}");
}

#[tokio::test]
async fn cloudflare_workers_ai_is_asked_for_as_documented() {
    let jpeg = picture(image::ImageFormat::Jpeg);
    let answer = jpeg.clone();
    let script: Script = Arc::new(move |_, headers, body| {
        assert_eq!(headers.get("authorization").unwrap(), "Bearer cf-token");
        assert!(body["prompt"].as_str().unwrap().contains("sailboat"));
        assert_eq!(body["steps"], 4);
        let result = json!({ "result": { "image": STANDARD.encode(&answer) }, "success": true, "errors": [], "messages": [] });
        Json(result).into_response()
    });
    let path = "/client/v4/accounts/acc123/ai/run/@cf/black-forest-labs/flux-1-schnell";
    let (base, fake) = serve(path, script).await;
    let service = Endpoint::Cloudflare {
        base: format!("{base}/client/v4"),
        account: "acc123".into(),
        model: "@cf/black-forest-labs/flux-1-schnell".into(),
        token: "cf-token".into(),
    };
    let drawn =
        RemoteImages::new(service, Service::new(Duration::from_secs(5), 1)).draw(&brief()).await.unwrap();
    assert_eq!(drawn, jpeg);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn passing_failures_are_retried_and_lasting_ones_are_said_plainly() {
    let png = picture(image::ImageFormat::Png);
    // Busy twice, then fine: three calls, one picture.
    let ok = openai_ok(png.clone());
    let busy: Script =
        Arc::new(
            move |n, h, b| {
                if n < 2 { (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response() } else { ok(n, h, b) }
            },
        );
    let (base, fake) = serve("/v1/images/generations", busy).await;
    assert_eq!(openai(&base).draw(&brief()).await.unwrap(), png);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);

    // A refusal is not retried, and its words reach the customer.
    let refuse: Script = Arc::new(|_, _, _| {
        let body = json!({ "error": { "message": "Your request was rejected by the safety system.", "type": "invalid_request_error" } });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    });
    let (base, fake) = serve("/v1/images/generations", refuse).await;
    let error = openai(&base).draw(&brief()).await.unwrap_err();
    assert_eq!(error, "the image service said 400: Your request was rejected by the safety system.");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);

    // Too slow: each call is cut off at the timeout, and tried again up to the limit.
    let slow: Script = Arc::new(|_, _, _| (StatusCode::OK, "late").into_response());
    let (base, fake) = serve_slowly("/v1/images/generations", Duration::from_millis(1500), slow).await;
    let service = Endpoint::OpenAi { base: format!("{base}/v1"), model: "m".into(), key: "k".into() };
    let calls = Service::new(Duration::from_secs(1), 2).with_retries(2, Duration::from_millis(10));
    let client = RemoteImages::new(service, calls);
    let started = std::time::Instant::now();
    assert_eq!(client.draw(&brief()).await.unwrap_err(), "the image service did not answer within 1 s");
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "cut off, not waited for: {:?}",
        started.elapsed()
    );
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);

    // Nonsense answers are refused, not stored.
    for (body, words) in [
        (json!({ "data": [] }), "no image in it"),
        (json!({ "data": [{ "b64_json": STANDARD.encode("hello") }] }), "neither PNG nor JPEG"),
        (json!({ "data": [{ "b64_json": "%%%" }] }), "bad base64"),
    ] {
        let script: Script = Arc::new(move |_, _, _| Json(body.clone()).into_response());
        let (base, _) = serve("/v1/images/generations", script).await;
        let error = openai(&base).draw(&brief()).await.unwrap_err();
        assert!(error.contains(words), "{error}");
    }
    let (base, _) =
        serve("/v1/images/generations", Arc::new(|_, _, _| "<html>oops</html>".into_response())).await;
    assert!(openai(&base).draw(&brief()).await.unwrap_err().contains("an answer that is not JSON"));
}

#[tokio::test]
async fn no_more_calls_at_once_than_allowed() {
    let (base, fake) = serve("/v1/images/generations", openai_ok(picture(image::ImageFormat::Png))).await;
    let service = Endpoint::OpenAi { base: format!("{base}/v1"), model: "m".into(), key: "k".into() };
    let client = Arc::new(RemoteImages::new(service, Service::new(Duration::from_secs(5), 2)));
    let draws: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.draw(&brief()).await })
        })
        .collect();
    for draw in draws {
        draw.await.unwrap().unwrap();
    }
    assert_eq!(fake.calls.load(Ordering::SeqCst), 6);
    assert_eq!(fake.most_in_flight.load(Ordering::SeqCst), 2);
}

/// The app with a real image service: the gallery fills with its pictures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_shows_the_services_pictures() {
    let png = picture(image::ImageFormat::Png);
    let (base, fake) = serve("/v1/images/generations", openai_ok(png.clone())).await;
    common::with_app(common::Kind::Sqlite, |app| async move {
        let created = app.post_json("/api/creations", r#"{"hobbies": "sailing"}"#, None).await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        let state = app.state.with(|parts| parts.images = Arc::new(openai(&base)));
        memoreez::workers::spawn(&state);
        let stream = app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await.text();
        assert_eq!(stream.matches("event: concept\n").count(), 4, "{stream}");
        let image = app.get(&format!("/media/concepts/{id}/0.png"), Some(&cookie)).await;
        assert_eq!(&image.body[..], &png[..]);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 4);
    })
    .await;
}

fn story() -> app::story::Story {
    app::story::Story::new(vec!["sailing", "jazz piano"], "Retired music teacher.").unwrap()
}

/// A chat answer with four concepts, as the model might write it (in a code fence).
fn four_concepts() -> String {
    let concept =
        |n: usize| json!({ "title": format!("Idea {n}"), "prompt": format!("A keepsake idea number {n}.") });
    let list = json!({ "concepts": [concept(1), concept(2), concept(3), concept(4)] });
    format!("Here are your concepts:\n```json\n{list}\n```")
}

fn chat_writer(base: &str) -> ChatWriter {
    let service =
        Endpoint::OpenAi { base: format!("{base}/v1"), model: "llama3.1".into(), key: "chat-key".into() };
    ChatWriter::new(
        service,
        Service::new(Duration::from_secs(5), 2).with_retries(2, Duration::from_millis(10)),
    )
}

#[tokio::test]
async fn an_openai_compatible_chat_writes_the_briefs() {
    let script: Script = Arc::new(|_, headers, body| {
        assert_eq!(headers.get("authorization").unwrap(), "Bearer chat-key");
        assert_eq!(body["model"], "llama3.1");
        assert_eq!(body["response_format"]["type"], "json_object");
        assert_eq!(body["messages"][0]["role"], "system");
        assert!(body["messages"][0]["content"].as_str().unwrap().contains("plain white background"));
        assert_eq!(body["messages"][1]["role"], "user");
        let asked = body["messages"][1]["content"].as_str().unwrap();
        assert!(asked.contains("sailing, jazz piano") && asked.contains("Retired music teacher."), "{asked}");
        let answer = json!({ "id": "c1", "object": "chat.completion",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": four_concepts() }, "finish_reason": "stop" }] });
        Json(answer).into_response()
    });
    let (base, fake) = serve("/v1/chat/completions", script).await;
    let briefs = chat_writer(&base).briefs(&story(), CreationKind::Story, 0).await;
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    let titles: Vec<&str> = briefs.iter().map(|b| b.title.as_str()).collect();
    assert_eq!(titles, ["Idea 1", "Idea 2", "Idea 3", "Idea 4"]);
    for brief in &briefs {
        assert!(
            brief.prompt.contains("A keepsake idea") && brief.prompt.contains("fully clothed"),
            "{}",
            brief.prompt
        );
    }
    // The picture parts stay the composer's, so the embedded emblems still draw them.
    let composed = compose_briefs(&story(), 0);
    assert_eq!(
        briefs.iter().map(|b| b.motif.clone()).collect::<Vec<_>>(),
        composed.iter().map(|b| b.motif.clone()).collect::<Vec<_>>()
    );
}

/// A described object is asked for as an object, not as a person's hobby.
#[tokio::test]
async fn a_chat_writes_an_objects_briefs_as_takes_on_the_object() {
    let script: Script = Arc::new(|_, _, body| {
        let asked = body["messages"][1]["content"].as_str().unwrap();
        assert!(asked.starts_with("The object: a sailboat with red sails."), "{asked}");
        assert!(asked.contains("keepsakes of this object itself") && !asked.contains("Hobbies"), "{asked}");
        let answer =
            json!({ "choices": [{ "message": { "role": "assistant", "content": four_concepts() } }] });
        Json(answer).into_response()
    });
    let (base, fake) = serve("/v1/chat/completions", script).await;
    let object = app::creation::story_for_object("a sailboat with red sails").unwrap();
    let briefs = chat_writer(&base).briefs(&object, CreationKind::Object, 0).await;
    assert_eq!((fake.calls.load(Ordering::SeqCst), briefs[0].title.as_str()), (1, "Idea 1"));
}

#[tokio::test]
async fn cloudflare_llama_writes_the_briefs() {
    let script: Script = Arc::new(|_, headers, body| {
        assert_eq!(headers.get("authorization").unwrap(), "Bearer cf-token");
        assert_eq!(body["messages"].as_array().unwrap().len(), 2);
        let answer = json!({ "result": { "response": four_concepts() }, "success": true, "errors": [], "messages": [] });
        Json(answer).into_response()
    });
    let path = "/client/v4/accounts/acc9/ai/run/@cf/meta/llama-3.1-8b-instruct";
    let (base, _) = serve(path, script).await;
    let service = Endpoint::Cloudflare {
        base: format!("{base}/client/v4"),
        account: "acc9".into(),
        model: "@cf/meta/llama-3.1-8b-instruct".into(),
        token: "cf-token".into(),
    };
    let briefs = ChatWriter::new(service, Service::new(Duration::from_secs(5), 1))
        .briefs(&story(), CreationKind::Story, 1)
        .await;
    assert_eq!(briefs[3].title, "Idea 4");
}

#[tokio::test]
async fn a_muddled_chat_is_asked_again_then_the_composer_stands_in() {
    let reply = |content: String| {
        Json(json!({ "choices": [{ "message": { "role": "assistant", "content": content } }] }))
            .into_response()
    };
    // Nonsense first, then four concepts: asked twice, the second answer used.
    let script: Script = Arc::new(move |n, _, _| {
        if n == 0 { reply("Sorry, I am only a language model.".into()) } else { reply(four_concepts()) }
    });
    let (base, fake) = serve("/v1/chat/completions", script).await;
    assert_eq!(chat_writer(&base).briefs(&story(), CreationKind::Story, 0).await[0].title, "Idea 1");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);

    // Always nonsense, or always down: the composer's briefs, never an error.
    let composed: Vec<String> = compose_briefs(&story(), 0).into_iter().map(|b| b.title).collect();
    let muddled: Script = Arc::new(move |_, _, _| reply("{\"concepts\": [1, 2]}".into()));
    let down: Script = Arc::new(|_, _, _| (StatusCode::BAD_GATEWAY, "down").into_response());
    for (script, calls) in [(muddled, 2), (down, 4)] {
        let (base, fake) = serve("/v1/chat/completions", script).await;
        let titles: Vec<String> = chat_writer(&base)
            .briefs(&story(), CreationKind::Story, 0)
            .await
            .into_iter()
            .map(|b| b.title)
            .collect();
        assert_eq!(titles, composed);
        assert_eq!(
            fake.calls.load(Ordering::SeqCst),
            calls,
            "two asks, each retried once when the service is down"
        );
    }
}

/// A GLB of a 20 mm cube (in metres, as glTF has it) whose node stretches it
/// twice as tall along glTF's Y (up): 20 × 20 × 40 mm once read.
fn cube_glb() -> Vec<u8> {
    glb_with_nodes(json!([{ "mesh": 0, "scale": [1.0, 2.0, 1.0] }]))
}

/// A 2 cm cube's GLB whose scene starts at node 0 of `nodes`.
fn glb_with_nodes(nodes: Value) -> Vec<u8> {
    let s = 0.02f32;
    let corners = [
        [0.0, 0.0, 0.0],
        [s, 0.0, 0.0],
        [s, s, 0.0],
        [0.0, s, 0.0],
        [0.0, 0.0, s],
        [s, 0.0, s],
        [s, s, s],
        [0.0, s, s],
    ];
    let faces: [u32; 36] = [
        0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3,
        4, 7,
    ];
    let mut bin: Vec<u8> = corners.iter().flatten().flat_map(|c: &f32| c.to_le_bytes()).collect();
    bin.extend(faces.iter().flat_map(|i| i.to_le_bytes()));
    let json = json!({
        "asset": { "version": "2.0" }, "scene": 0, "scenes": [{ "nodes": [0] }],
        "nodes": nodes,
        "meshes": [{ "primitives": [{ "attributes": { "POSITION": 0 }, "indices": 1 }] }],
        "accessors": [
            { "bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3", "min": [0.0, 0.0, 0.0], "max": [s, s, s] },
            { "bufferView": 1, "componentType": 5125, "count": 36, "type": "SCALAR" }
        ],
        "bufferViews": [{ "buffer": 0, "byteOffset": 0, "byteLength": 96 }, { "buffer": 0, "byteOffset": 96, "byteLength": 144 }],
        "buffers": [{ "byteLength": bin.len() }]
    });
    let mut json = json.to_string().into_bytes();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut glb = Vec::new();
    glb.extend(b"glTF");
    glb.extend(2u32.to_le_bytes());
    glb.extend((total as u32).to_le_bytes());
    glb.extend((json.len() as u32).to_le_bytes());
    glb.extend(b"JSON");
    glb.extend(json);
    glb.extend((bin.len() as u32).to_le_bytes());
    glb.extend(b"BIN\0");
    glb.extend(bin);
    glb
}

fn hunyuan(base: &str) -> Hunyuan3d {
    let calls = Service::new(Duration::from_secs(5), 1).with_retries(2, Duration::from_millis(10));
    Hunyuan3d { base: base.to_string(), calls, max_triangles: 1_000_000 }
}

fn bbox_size(mesh: &geometry::Mesh) -> [f64; 3] {
    let [min, max] = geometry::analysis::bounding_box(mesh);
    [0, 1, 2].map(|i| ((max[i] - min[i]) * 1000.0).round() / 1000.0)
}

#[tokio::test]
async fn hunyuan3d_turns_the_picture_into_a_model() {
    let png = picture(image::ImageFormat::Png);
    let sent = png.clone();
    let script: Script = Arc::new(move |_, _, body| {
        assert_eq!(STANDARD.decode(body["image"].as_str().unwrap()).unwrap(), sent, "the picture, base64");
        assert_eq!(body["type"], "glb");
        assert_eq!(body["texture"], false);
        assert_eq!(body["octree_resolution"], 256);
        assert_eq!(body["face_count"], 40000);
        assert_eq!(body["seed"], 1234, "a design's first model is the service's usual seed");
        ([("content-type", "model/gltf-binary")], cube_glb()).into_response()
    });
    let (base, _) = serve("/generate", script).await;
    let mesh = hunyuan(&base)
        .make(png, Default::default(), Arc::new(|_, _| {}))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bbox_size(&mesh), [20.0, 20.0, 40.0], "metres → mm, node scale, Y-up → Z-up");
    let (solid, _, info) = geometry::repair_solid(&mesh).unwrap();
    assert!(info.watertight);
    assert_eq!(bbox_size(&memoreez::generation::model3d::stand(solid, Some(80.0))), [40.0, 40.0, 80.0]);
}

#[tokio::test]
async fn a_3d_service_that_fails_or_answers_nonsense_is_said_plainly() {
    let png = picture(image::ImageFormat::Png);
    let cases: [(Script, bool, &str); 3] = [
        (
            Arc::new(|_, _, _| (StatusCode::OK, "not a model").into_response()),
            false,
            "not a readable GLB model",
        ),
        (
            Arc::new(|_, _, _| {
                (StatusCode::UNPROCESSABLE_ENTITY, "{\"detail\": \"bad image\"}").into_response()
            }),
            false,
            "said 422",
        ),
        (
            Arc::new(|_, _, _| (StatusCode::INTERNAL_SERVER_ERROR, "CUDA out of memory").into_response()),
            true,
            "CUDA out of memory",
        ),
    ];
    for (script, transient, words) in cases {
        let (base, _) = serve("/generate", script).await;
        match hunyuan(&base).make(png.clone(), Default::default(), Arc::new(|_, _| {})).await {
            Err(MakeError::Transient(said)) if transient => assert!(said.contains(words), "{said}"),
            Err(MakeError::Unusable(said)) if !transient => assert!(said.contains(words), "{said}"),
            other => panic!("{words}: {other:?}"),
        }
    }
}

/// A service's answer is read with a byte cap, whether it declares its
/// length or streams without one; GLB graphs that are not trees are refused.
#[tokio::test]
async fn a_3d_service_answer_past_the_cap_or_with_a_node_cycle_is_refused() {
    let png = picture(image::ImageFormat::Png);
    let capped = |base: &str| Hunyuan3d {
        base: base.to_string(),
        calls: Service::new(Duration::from_secs(5), 1)
            .with_retries(2, Duration::from_millis(10))
            .with_max_body(64 << 10),
        max_triangles: 1_000_000,
    };
    let declared: Script = Arc::new(|_, _, _| vec![0u8; 1 << 20].into_response());
    let streamed: Script = Arc::new(|_, _, _| {
        let chunks =
            futures_util::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b'g'; 16 << 10])));
        axum::body::Body::from_stream(chunks).into_response()
    });
    for (script, how) in [(declared, "declared"), (streamed, "streamed")] {
        let (base, fake) = serve("/generate", script).await;
        match capped(&base).make(png.clone(), Default::default(), Arc::new(|_, _| {})).await {
            Err(MakeError::Unusable(said)) => {
                assert!(said.contains("sent an answer larger than 64 KB"), "{how}: {said}")
            }
            other => panic!("{how}: {other:?}"),
        }
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1, "{how}: not retried");
    }
    // Two nodes, each the other's child: a walk that follows them never ends.
    let cycle = glb_with_nodes(json!([{ "mesh": 0, "children": [1] }, { "mesh": 0, "children": [0] }]));
    let answer = cycle.clone();
    let (base, _) = serve("/generate", Arc::new(move |_, _, _| answer.clone().into_response())).await;
    match hunyuan(&base).make(png, Default::default(), Arc::new(|_, _| {})).await {
        Err(MakeError::Unusable(said)) => assert!(said.contains("reached twice"), "{said}"),
        other => panic!("a node cycle: {other:?}"),
    }
}

/// An image service's picture that would decode to gigabytes is refused
/// from its header and never stored.
#[tokio::test]
async fn an_image_service_decompression_bomb_is_refused() {
    let mut png = picture(image::ImageFormat::Png);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let (base, _) = serve("/v1/images/generations", openai_ok(png)).await;
    let error = openai(&base).draw(&brief()).await.unwrap_err();
    assert!(error.contains("100000 × 100000 pixels"), "{error}");
}

/// The app with Hunyuan3D: a pick becomes the service's model, checked and
/// scaled to 80 mm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picked_design_becomes_the_3d_services_model() {
    let (base, fake) = serve("/generate", Arc::new(|_, _, _| cube_glb().into_response())).await;
    common::with_app(common::Kind::Sqlite, |app| async move {
        let created = app.post_json("/api/creations", r#"{"hobbies": "sailing"}"#, None).await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        let state = app.state.with(|parts| parts.models = Arc::new(hunyuan(&base)));
        memoreez::workers::spawn(&state);
        app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await;
        let picked =
            app.post_json(&format!("/api/creations/{id}/select"), r#"{"concept": 1}"#, Some(&cookie)).await;
        let events = app.get(picked.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done"), "{events}");
        let stl = app.get(&format!("/media/models/{id}/model.stl"), Some(&cookie)).await;
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        assert_eq!(bbox_size(&mesh), [40.0, 40.0, 80.0]);
        assert!(geometry::analyse(&mesh, &Default::default()).watertight);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    })
    .await;
}

/// Remote GPU workers pull mesh jobs with a token; a job is never worked on
/// twice at once; a worker killed mid-job loses its lease and another
/// finishes the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remote_worker_killed_mid_job_hands_over_to_another() {
    let (three_d, fake) =
        serve_slowly("/generate", Duration::from_secs(4), Arc::new(|_, _, _| cube_glb().into_response()))
            .await;
    common::with_app(common::Kind::Sqlite, |app| async move {
        let addr = app.listen().await;
        let server = format!("http://{addr}");
        // This server's own workers draw concepts but leave meshes to remote workers.
        let state = app.state.with(|parts| {
            let mut config = (*parts.config).clone();
            config.remote_mesh_workers = true;
            parts.config = Arc::new(config);
        });
        memoreez::workers::spawn(&state);
        let token = memoreez::jobs::worker_tokens::create(&app.state.db, "gpu-1").await.unwrap();

        // The pull API: a token is needed; nothing to do is 204; only mesh jobs.
        let http = reqwest::Client::new();
        let claim = |token: &str, kinds: Value| {
            http.post(format!("{server}/api/worker/claim"))
                .bearer_auth(token)
                .json(&json!({ "worker_id": "probe", "kinds": kinds }))
                .send()
        };
        assert_eq!(claim("wrong", json!(["mesh"])).await.unwrap().status(), 401);
        assert_eq!(claim(&token, json!(["mesh"])).await.unwrap().status(), 204);
        assert_eq!(claim(&token, json!(["quote"])).await.unwrap().status(), 422);

        let created = app.post_json("/api/creations", r#"{"hobbies": "sailing"}"#, None).await;
        let id = created.json()["id"].as_str().unwrap().to_string();
        let cookie = created.visitor_cookie().unwrap();
        app.get(&format!("/api/creations/{id}/concepts/stream"), Some(&cookie)).await;
        let picked =
            app.post_json(&format!("/api/creations/{id}/select"), r#"{"concept": 0}"#, Some(&cookie)).await;
        let job = picked.json()["job_id"].as_str().unwrap().to_string();

        let dir = tempfile::tempdir().unwrap();
        let worker = |name: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_memoreez"))
                .args([
                    "worker",
                    "--server",
                    &server,
                    "--token",
                    &token,
                    "--lease-s",
                    "5",
                    "--worker-id",
                    name,
                ])
                .arg(format!("--mesh-provider=hunyuan3d={three_d}"))
                .current_dir(dir.path())
                .env("MEMOREEZ_LOG", "info")
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap())
                .spawn()
                .unwrap()
        };
        // What a worker said, for a failure's message.
        let said =
            |name: &str| std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap_or_default();
        let leased_to = |name: &'static str| {
            let db = app.state.db.clone();
            let job = job.clone();
            async move {
                memoreez::jobs::queue::is_leased_to(&db, &job, &format!("remote:gpu-1:{name}")).await.unwrap()
            }
        };
        let mut a = worker("a");
        let mut waited = 0;
        while !leased_to("a").await {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
            // Generous: on a busy 2-core machine a debug build starts slowly.
            assert!(waited < 400, "worker a never took the job; it said:\n{}", said("a"));
        }
        // While a holds the lease, b gets nothing.
        let mut b = worker("b");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(leased_to("a").await && !leased_to("b").await);
        a.kill().unwrap();
        a.wait().unwrap();

        let done = loop {
            let view = memoreez::jobs::queue::view(&app.state.db, &job).await.unwrap().unwrap();
            if view.status == "done" || view.status == "failed" {
                break view;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            waited += 2;
            assert!(waited < 400, "the job was not finished: {view:?}");
        };
        b.kill().unwrap();
        b.wait().unwrap();
        assert_eq!((done.status.as_str(), done.attempts), ("done", 2), "{done:?}");
        assert_eq!(fake.calls.load(Ordering::SeqCst), 2, "a's call and b's");
        let stl = app.get(&format!("/media/models/{id}/model.stl"), Some(&cookie)).await;
        let mesh =
            geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap();
        assert_eq!(bbox_size(&mesh), [40.0, 40.0, 80.0]);
    })
    .await;
}

/// A Meshy stand-in: the create, retrieve and download calls as Meshy's API
/// documents them; the task finishes on its third look, or fails.
async fn fake_meshy(fails: bool) -> (String, Arc<AtomicUsize>) {
    use axum::extract::Path as UrlPath;
    use axum::routing::get;
    let looks = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (seen, model_url) = (looks.clone(), format!("{base}/files/model.glb"));
    let app = Router::new()
        .route(
            "/openapi/v1/image-to-3d",
            post(|headers: HeaderMap, Json(body): Json<Value>| async move {
                assert_eq!(headers.get("authorization").unwrap(), "Bearer meshy-key");
                assert!(body["image_url"].as_str().unwrap().starts_with("data:image/png;base64,iVBOR"));
                assert_eq!(body["should_texture"], false);
                Json(json!({ "result": "task-1" }))
            }),
        )
        .route(
            "/openapi/v1/image-to-3d/{id}",
            get(move |UrlPath(id): UrlPath<String>| async move {
                assert_eq!(id, "task-1");
                let n = seen.fetch_add(1, Ordering::SeqCst);
                Json(match (n, fails) {
                    (0, _) => json!({ "id": id, "status": "PENDING", "progress": 0 }),
                    (1, _) => json!({ "id": id, "status": "IN_PROGRESS", "progress": 50 }),
                    (_, false) => json!({ "id": id, "status": "SUCCEEDED", "progress": 100, "model_urls": { "glb": model_url } }),
                    (_, true) => json!({ "id": id, "status": "FAILED", "progress": 0, "task_error": { "message": "No object found in the image." } }),
                })
            }),
        )
        .route(
            "/files/model.glb",
            get(|headers: HeaderMap| async move {
                assert!(headers.get("authorization").is_none(), "no key goes to the download");
                cube_glb()
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, looks)
}

fn meshy_api(base: &str) -> MeshyApi {
    MeshyApi {
        base: base.to_string(),
        key: "meshy-key".into(),
        calls: Service::new(Duration::from_secs(5), 2),
        poll: Duration::from_millis(20),
        patience: Duration::from_secs(10),
        max_triangles: 1_000_000,
    }
}

fn meshy(base: &str) -> Meshy {
    Meshy(meshy_api(base))
}

#[tokio::test]
async fn meshy_makes_a_model_from_the_picture_following_its_task() {
    let (base, looks) = fake_meshy(false).await;
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = heard.clone();
    let report: memoreez::jobs::queue::Report =
        Arc::new(move |_, percent| record.lock().unwrap().push(percent));
    let mesh = meshy(&base)
        .make(picture(image::ImageFormat::Png), Default::default(), report)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bbox_size(&mesh), [20.0, 20.0, 40.0]);
    assert_eq!(looks.load(Ordering::SeqCst), 3);
    assert!(heard.lock().unwrap().contains(&45), "Meshy's 50 % shown as ours: {:?}", heard.lock().unwrap());

    let (base, _) = fake_meshy(true).await;
    match meshy(&base).make(picture(image::ImageFormat::Png), Default::default(), Arc::new(|_, _| {})).await {
        Err(MakeError::Unusable(said)) => {
            assert_eq!(said, "Meshy could not make this model: No object found in the image.")
        }
        other => panic!("{other:?}"),
    }
}

/// How a text-to-3D stand-in ends its refine task.
#[derive(Clone, Copy, PartialEq)]
enum RefineEnds {
    Succeeded,
    Failed,
}

/// A Meshy text-to-3D stand-in as its API documents it: `POST
/// /openapi/v2/text-to-3d` creates a preview (`mode: preview`, `prompt`) or
/// a refine task (`mode: refine`, `preview_task_id`, `texture_prompt`);
/// `GET …/{id}` tells each task's status; the refined GLB is downloaded.
/// Every call is written down, in order, in the returned log.
async fn fake_meshy_text(ends: RefineEnds) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::Path as UrlPath;
    use axum::routing::get;
    let log = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (create_log, look_log, download_log) = (log.clone(), log.clone(), log.clone());
    let files = base.clone();
    let app = Router::new()
        .route(
            "/openapi/v2/text-to-3d",
            post(move |headers: HeaderMap, Json(body): Json<Value>| async move {
                assert_eq!(headers.get("authorization").unwrap(), "Bearer meshy-key");
                let task = match body["mode"].as_str().unwrap() {
                    "preview" => {
                        let prompt = body["prompt"].as_str().unwrap();
                        assert!(prompt.starts_with("a sailboat with red sails; one solid object"), "{prompt}");
                        assert!(prompt.chars().count() <= 600);
                        assert_eq!((body["topology"].as_str(), body["should_remesh"].as_bool()), (Some("triangle"), Some(true)));
                        assert!(body.get("preview_task_id").is_none());
                        ("preview-1", format!("seed {}", body["seed"].as_u64().unwrap()))
                    }
                    "refine" => {
                        assert_eq!(body["preview_task_id"], "preview-1");
                        assert_eq!(body["enable_pbr"], false);
                        let texture = body.get("texture_prompt").map(|t| t.as_str().unwrap().to_string());
                        ("refine-1", texture.map_or("plain".into(), |t| format!("texture {t}")))
                    }
                    other => panic!("mode {other}"),
                };
                let (task, asked) = task;
                create_log.lock().unwrap().push(format!("create {task} {asked}"));
                Json(json!({ "result": task }))
            }),
        )
        .route(
            "/openapi/v2/text-to-3d/{id}",
            get(move |UrlPath(id): UrlPath<String>| async move {
                let looks = {
                    let mut log = look_log.lock().unwrap();
                    log.push(format!("look {id}"));
                    log.iter().filter(|line| **line == format!("look {id}")).count()
                };
                let glb = format!("{files}/files/{id}.glb");
                Json(match (id.as_str(), looks, ends) {
                    (_, 1, _) => json!({ "id": id, "status": "IN_PROGRESS", "progress": 40 }),
                    ("preview-1", _, _) | (_, _, RefineEnds::Succeeded) => {
                        json!({ "id": id, "status": "SUCCEEDED", "progress": 100, "model_urls": { "glb": glb } })
                    }
                    (_, _, RefineEnds::Failed) => json!({
                        "id": id, "status": "FAILED", "progress": 0,
                        "task_error": { "message": "Texturing failed." }
                    }),
                })
            }),
        )
        .route(
            "/files/{file}",
            get(move |UrlPath(file): UrlPath<String>, headers: HeaderMap| async move {
                assert!(headers.get("authorization").is_none(), "no key goes to the download");
                download_log.lock().unwrap().push(format!("download {file}"));
                cube_glb()
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, log)
}

#[tokio::test]
async fn meshy_text_to_3d_previews_then_refines_only_when_asked() {
    let (base, log) = fake_meshy_text(RefineEnds::Succeeded).await;
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = heard.clone();
    let report: memoreez::jobs::queue::Report =
        Arc::new(move |stage, percent| record.lock().unwrap().push((stage.to_string(), percent)));
    let meshy = MeshyText(meshy_api(&base));
    let preview = meshy
        .preview("a sailboat with red sails", 0, report.clone())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((bbox_size(&preview.mesh), preview.task.as_str()), ([20.0, 20.0, 40.0], "preview-1"));
    assert_eq!(
        *log.lock().unwrap(),
        ["create preview-1 seed 1234", "look preview-1", "look preview-1", "download preview-1.glb"],
        "the preview alone: nothing is refined (nor paid for) unasked"
    );
    // Another preview is another seed.
    meshy.preview("a sailboat with red sails", 1, report.clone()).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(log.lock().unwrap()[4], "create preview-1 seed 9153");
    log.lock().unwrap().clear();
    let refined = meshy
        .refine("preview-1", Some(" weathered bronze "), report)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bbox_size(&refined), [20.0, 20.0, 40.0]);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "create refine-1 texture weathered bronze",
            "look refine-1",
            "look refine-1",
            "download refine-1.glb"
        ]
    );
    log.lock().unwrap().clear();
    meshy.refine("preview-1", Some("  "), Arc::new(|_, _| {})).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(log.lock().unwrap()[0], "create refine-1 plain", "an empty texture prompt is none");
    let heard = heard.lock().unwrap().clone();
    // Each task's 40 % placed within its stretch of the job (10–65 %).
    assert!(heard.contains(&("Shaping the model at Meshy".into(), 32)), "{heard:?}");
    assert!(heard.contains(&("Refining it at Meshy".into(), 32)), "{heard:?}");

    let (base, log) = fake_meshy_text(RefineEnds::Failed).await;
    match MeshyText(meshy_api(&base)).refine("preview-1", None, Arc::new(|_, _| {})).await {
        Err(MakeError::Unusable(said)) => {
            assert_eq!(said, "Meshy could not make this model: Texturing failed.")
        }
        other => panic!("{other:?}"),
    }
    assert!(!log.lock().unwrap().iter().any(|line| line.starts_with("download")));
}

/// With text → 3D set up, a described object skips the designs: its model
/// is made at once, checked and scaled, and shown on the model page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_described_object_goes_straight_to_its_model() {
    let (base, log) = fake_meshy_text(RefineEnds::Succeeded).await;
    let use_meshy = move |state: &mut memoreez::state::StateParts| {
        state.text_models = Some(Arc::new(MeshyText(meshy_api(&base))));
    };
    common::with_changed_app(common::Kind::Sqlite, use_meshy, |app| async move {
        let created =
            app.post_json("/api/creations", r#"{"object": "a sailboat with red sails"}"#, None).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let answer = created.json();
        let id = answer["id"].as_str().unwrap().to_string();
        assert_eq!(answer["next_url"], format!("/create/{id}/model"));
        let cookie = created.visitor_cookie().unwrap();
        assert_eq!(app.count("concepts").await, 0, "no designs are drawn");
        let mesh = app.model_made_for(&answer, &cookie).await;
        assert_eq!(bbox_size(&mesh), [40.0, 40.0, 80.0]);
        assert_eq!(log.lock().unwrap().last().unwrap(), "download preview-1.glb");
        assert!(!log.lock().unwrap().iter().any(|line| line.contains("refine")), "refined only when asked");
        let page = app.get(&format!("/create/{id}/model"), Some(&cookie)).await.text();
        assert!(page.contains("What you described") && page.contains("Your model is ready"), "{page}");
        assert!(page.contains("This is the untextured preview") && page.contains("Refine it"), "{page}");

        // The customer asks for it refined, painted after their prompt: a new version, chosen.
        let model_url = format!("/api/creations/{id}/model");
        let model = app.get(&model_url, Some(&cookie)).await.json();
        let preview_job = model["job_id"].as_str().unwrap().to_string();
        assert_eq!(
            (model["versions"][0]["refinable"].as_bool(), model["another"].as_str()),
            (Some(true), Some("preview"))
        );
        let refine = format!("/api/creations/{id}/versions/{preview_job}/refine");
        let started =
            app.post_json(&refine, r#"{"texture_prompt": "weathered bronze"}"#, Some(&cookie)).await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
        let events = app.get(started.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done"), "{events}");
        assert!(log.lock().unwrap().contains(&"create refine-1 texture weathered bronze".to_string()));
        let model = app.get(&model_url, Some(&cookie)).await.json();
        let versions = model["versions"].as_array().unwrap().clone();
        assert_eq!(versions.len(), 2, "{model}");
        assert_eq!(versions[1]["what"], "Refined: “weathered bronze”");
        assert_eq!(
            (versions[1]["chosen"].as_bool(), versions[1]["refinable"].as_bool()),
            (Some(true), Some(false))
        );
        // A refined model is not refined again; another preview is another seed.
        let again =
            format!("/api/creations/{id}/versions/{}/refine", versions[1]["job_id"].as_str().unwrap());
        assert_eq!(app.post_json(&again, "{}", Some(&cookie)).await.status, StatusCode::CONFLICT);
        let another = app.post_json(&format!("/api/creations/{id}/versions"), "{}", Some(&cookie)).await;
        assert_eq!(another.status, StatusCode::ACCEPTED, "{}", another.text());
        let events = app.get(another.json()["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done"), "{events}");
        assert!(
            log.lock().unwrap().contains(&"create preview-1 seed 17072".to_string()),
            "{:?}",
            log.lock().unwrap()
        );
        let model = app.get(&model_url, Some(&cookie)).await.json();
        assert_eq!(model["versions"][2]["what"], "Preview, untextured");
        assert_eq!(model["versions"][2]["chosen"], true);
        let mine = app.get("/my", Some(&cookie)).await.text();
        assert!(mine.contains(&format!("/create/{id}/model")), "{mine}");
    })
    .await;
}
