import { xmlEscape } from "./xml.js";

/** One typed EC2 error: rendered as EC2's Response/Errors/Error with its HTTP status. */
export class Ec2Error extends Error {
  override readonly name = "Ec2Error";
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

/** botocore's EC2QueryParser reads Errors/Error/Code|Message and RequestID (capital ID). */
export function renderEc2Error(e: Ec2Error, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message>` +
    `</Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

export const notFound = (ids: string[]): Ec2Error =>
  ids.length === 1
    ? new Ec2Error("InvalidAMIID.NotFound", `The image id '[${ids[0]}]' does not exist`)
    : new Ec2Error("InvalidAMIID.NotFound", `The image ids '[${ids.join(", ")}]' do not exist`);

/**
 * A deregistered image (EC2's error catalogue: "deregistered and is no longer available, or is not
 * in a state from which you can … modify attributes"); the message is moto's, EC2's unconfirmed.
 */
export const unavailable = (id: string): Ec2Error =>
  new Ec2Error("InvalidAMIID.Unavailable", `The image id '[${id}]' is no longer available`);

/** A disabled image's attributes stay as they are until EnableImage (same catalogue entry). */
export const disabledImage = (id: string): Ec2Error =>
  new Ec2Error("InvalidAMIID.Unavailable", `The image id '[${id}]' is disabled`);

export const malformedImageId = (id: string): Ec2Error =>
  new Ec2Error("InvalidAMIID.Malformed", `Invalid id: "${id}" (expecting "ami-...")`);

export const missingParameter = (name: string): Ec2Error =>
  new Ec2Error("MissingParameter", `The request must contain the parameter ${name}`);

export const invalidParameterValue = (message: string): Ec2Error =>
  new Ec2Error("InvalidParameterValue", message);
