//! Exercise 1: say_goodbye, declared in the proto, served, and called.
//!
//! Likely mistakes, each named: the rpc missing or named in another style
//! (`SayGoodbye`), the wrong message types or fields; the method not
//! written (UNIMPLEMENTED); `say_hello` copied but its text kept; the
//! client calling `say_hello`.

use prost::Message as _;
use prost_types::{FileDescriptorProto, FileDescriptorSet, field_descriptor_proto::Type};
use tonic::{Code, Request, client::Grpc, codegen::http::uri::PathAndQuery, service::Routes};
use tonic_prost::ProstCodec;
use workshop::text::checks as t;

use super::{expect_eq, failed, within};
use crate::{
    e01_unary::{GreeterService, say_goodbye},
    harness::{self, Report},
    pb::{FILE_DESCRIPTOR_SET, greeter_client::GreeterClient, greeter_server::GreeterServer},
};

/// The request as the check writes it: it must not depend on your proto
/// having it, or the check could not compile before you start.
#[derive(Clone, PartialEq, prost::Message)]
struct GoodbyeRequest {
    #[prost(string, tag = "1")]
    name: String,
}

/// The reply, likewise.
#[derive(Clone, PartialEq, prost::Message)]
struct GoodbyeReply {
    #[prost(string, tag = "1")]
    message: String,
}

pub async fn check(report: Report) -> Result<(), String> {
    proto_declares_say_goodbye()?;
    report.ok(t::E01_OK_PROTO);

    let server = harness::serve(Routes::new(GreeterServer::new(GreeterService))).await?;
    let channel = harness::channel(server.addr).await?;

    // The server, called as any gRPC client would: by the method's path.
    let mut grpc = Grpc::new(channel.clone());
    grpc.ready().await.map_err(|e| e.to_string())?;
    let request = GoodbyeRequest {
        name: "Ada".to_owned(),
    };
    let path = PathAndQuery::from_static("/workshop.Greeter/say_goodbye");
    let codec = ProstCodec::<GoodbyeRequest, GoodbyeReply>::default();
    let called = grpc.unary(Request::new(request), path, codec);
    let reply = match within(called, || {
        t::NO_REPLY.with(&[("what", &"say_goodbye(\"Ada\")")])
    })
    .await?
    {
        Ok(reply) => reply.into_inner().message,
        Err(status) if status.code() == Code::Unimplemented => {
            return Err(t::E01_UNIMPLEMENTED.to_string());
        }
        Err(status) => return Err(failed("say_goodbye(\"Ada\")", &status)),
    };
    if reply == "Hello, Ada!" {
        return Err(t::E01_SERVER_SAYS_HELLO.to_string());
    }
    expect_eq(&t::E01_SERVER_REPLY.to_string(), "Goodbye, Ada!", &reply)?;
    report.ok(t::E01_OK_SERVER);

    let mut client = GreeterClient::new(channel);
    let reply = within(say_goodbye(&mut client, "Grace"), || {
        t::NO_REPLY.with(&[("what", &"say_goodbye(&mut client, \"Grace\")")])
    })
    .await?
    .map_err(|status| failed("say_goodbye(&mut client, \"Grace\")", &status))?;
    if reply == "Hello, Grace!" {
        return Err(t::E01_CLIENT_CALLS_HELLO.to_string());
    }
    expect_eq(&t::E01_CLIENT_REPLY.to_string(), "Goodbye, Grace!", &reply)?;
    report.ok(t::E01_OK_CLIENT);
    Ok(())
}

/// Reads the compiled proto: is say_goodbye there, with the right messages?
fn proto_declares_say_goodbye() -> Result<(), String> {
    let files = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())?;
    let file = (files.file.iter())
        .find(|file| file.package() == "workshop")
        .ok_or_else(|| t::E01_NO_SERVICE.to_string())?;
    let greeter = (file.service.iter())
        .find(|service| service.name() == "Greeter")
        .ok_or_else(|| t::E01_NO_SERVICE.to_string())?;
    let Some(method) = (greeter.method.iter()).find(|method| method.name() == "say_goodbye") else {
        // `SayGoodbye`, `sayGoodbye`: the right rpc in another style.
        let styled = (greeter.method.iter())
            .map(|method| method.name())
            .find(|name| name.replace('_', "").eq_ignore_ascii_case("saygoodbye"));
        return Err(match styled {
            Some(name) => t::E01_RPC_NAME_STYLE.with(&[("name", &name)]),
            None => t::E01_NO_RPC.to_string(),
        });
    };
    for (declared, wanted, text) in [
        (method.input_type(), "GoodbyeRequest", t::E01_REQUEST_TYPE),
        (method.output_type(), "GoodbyeReply", t::E01_REPLY_TYPE),
    ] {
        if declared != format!(".workshop.{wanted}") {
            let declared = declared.trim_start_matches(".workshop.");
            return Err(text.with(&[("declared", &declared)]));
        }
    }
    for (message, field) in [("GoodbyeRequest", "name"), ("GoodbyeReply", "message")] {
        declares_string_field(file, message, field)?;
    }
    Ok(())
}

/// `message` is declared in `file` with `string field = 1;`.
fn declares_string_field(
    file: &FileDescriptorProto,
    message: &str,
    field: &str,
) -> Result<(), String> {
    let declared = (file.message_type.iter())
        .find(|m| m.name() == message)
        .ok_or_else(|| t::E01_NO_MESSAGE.with(&[("message", &message), ("field", &field)]))?;
    let found = (declared.field.iter()).find(|f| f.name() == field && f.number() == 1);
    if found.is_none_or(|f| f.r#type() != Type::String) {
        return Err(t::E01_FIELD.with(&[("message", &message), ("field", &field)]));
    }
    Ok(())
}
