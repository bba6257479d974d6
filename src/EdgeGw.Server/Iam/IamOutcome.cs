namespace EdgeGw.Server.Iam;

/// <summary>What the IAM step decided about a request of an <c>AWS_IAM</c> route.</summary>
internal enum IamOutcome : byte
{
    Verified,
    /// <summary>Refused with a 403 of AWS's (the reason in <see cref="IamStep.Status"/>).</summary>
    Refused,
    /// <summary>The body to hash did not arrive within the head timeout: 408.</summary>
    BodyTimedOut,
    /// <summary>The client went away while its body was being read.</summary>
    ClientGone,
}
