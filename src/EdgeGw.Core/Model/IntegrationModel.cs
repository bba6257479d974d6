namespace EdgeGw.Core.Model;

public abstract class IntegrationModel
{
}
