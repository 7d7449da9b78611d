//! Exercise 1: say_goodbye, declared in the proto, served, and called.

use prost::Message as _;
use prost_types::{FileDescriptorSet, field_descriptor_proto::Type};
use tonic::{Code, Request, client::Grpc, codegen::http::uri::PathAndQuery, service::Routes};
use tonic_prost::ProstCodec;

use super::{expect_eq, failed};
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
    report.ok("workshop.proto declares say_goodbye (GoodbyeRequest) returns (GoodbyeReply)");

    let addr = harness::serve(Routes::new(GreeterServer::new(GreeterService))).await?;
    let channel = harness::channel(addr).await?;

    // The server, called as any gRPC client would: by the method's path.
    let mut grpc = Grpc::new(channel.clone());
    grpc.ready().await.map_err(|e| e.to_string())?;
    let request = GoodbyeRequest {
        name: "Ada".to_owned(),
    };
    let path = PathAndQuery::from_static("/workshop.Greeter/say_goodbye");
    let codec = ProstCodec::<GoodbyeRequest, GoodbyeReply>::default();
    let reply = match grpc.unary(Request::new(request), path, codec).await {
        Ok(reply) => reply.into_inner().message,
        Err(status) if status.code() == Code::Unimplemented => {
            return Err(
                "the server answers UNIMPLEMENTED to say_goodbye: write `async fn say_goodbye` in `impl Greeter for GreeterService`"
                    .to_owned(),
            );
        }
        Err(status) => return Err(failed("say_goodbye on the server", &status)),
    };
    expect_eq(
        "the server's reply to say_goodbye(\"Ada\")",
        "Goodbye, Ada!",
        &reply,
    )?;
    report.ok("the server answers say_goodbye(\"Ada\") with \"Goodbye, Ada!\"");

    let mut client = GreeterClient::new(channel);
    let reply = say_goodbye(&mut client, "Grace")
        .await
        .map_err(|status| failed("the client's say_goodbye", &status))?;
    expect_eq(
        "the client's say_goodbye(\"Grace\")",
        "Goodbye, Grace!",
        &reply,
    )?;
    report.ok("the client's say_goodbye(\"Grace\") returns \"Goodbye, Grace!\"");
    Ok(())
}

/// Reads the compiled proto: is say_goodbye there, with the right messages?
fn proto_declares_say_goodbye() -> Result<(), String> {
    let files = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())?;
    let file = (files.file.iter())
        .find(|file| file.package() == "workshop")
        .ok_or("workshop.proto has no package workshop")?;
    let greeter = (file.service.iter())
        .find(|service| service.name() == "Greeter")
        .ok_or("workshop.proto has no service Greeter")?;
    let method = (greeter.method.iter())
        .find(|method| method.name() == "say_goodbye")
        .ok_or("service Greeter in workshop/proto/workshop.proto has no rpc say_goodbye yet")?;
    expect_eq(
        "the request type of say_goodbye",
        ".workshop.GoodbyeRequest",
        method.input_type(),
    )?;
    expect_eq(
        "the reply type of say_goodbye",
        ".workshop.GoodbyeReply",
        method.output_type(),
    )?;
    for (message, field) in [("GoodbyeRequest", "name"), ("GoodbyeReply", "message")] {
        let declared = (file.message_type.iter())
            .find(|m| m.name() == message)
            .ok_or(format!("workshop.proto has no message {message}"))?;
        let found = (declared.field.iter()).find(|f| f.name() == field && f.number() == 1);
        if found.is_none_or(|f| f.r#type() != Type::String) {
            return Err(format!(
                "message {message} needs a field `string {field} = 1;`"
            ));
        }
    }
    Ok(())
}
