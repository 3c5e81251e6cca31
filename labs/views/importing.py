from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..apigw import diagram, openapi
from ..apigw.model import DesignError
from ..builder import STEP_IDS, Analysis
from ..forms import API_LABELS, ImportForm
from ..models import LabAttempt


@require_http_methods(["GET", "POST"])
def import_design(request: HttpRequest) -> HttpResponse:
    context: dict = {"nav": "labs", "api_types": API_LABELS}
    if request.method != "POST":
        return render(request, "labs/import.html", context)
    form = ImportForm(request.POST, request.FILES)
    valid = form.is_valid()
    text, api_type = form.cleaned_data.get("text", request.POST.get("document", "")), form.cleaned_data.get("api_type", "")
    context.update(document=text, api_type=api_type)
    if not valid:
        return render(request, "labs/import.html", {**context, "error": form.first_error()}, status=400)
    try:
        result = openapi.import_openapi(text, api_type=api_type or None)
    except DesignError as problem:
        return render(request, "labs/import.html", {**context, "error": f"We could not read that document: {problem}"},
                      status=400)
    analysis = Analysis(result.design, None)
    if request.user.is_authenticated and request.POST.get("continue") == "1":
        attempt = LabAttempt.objects.create(user=request.user, scenario="", design=result.design.to_dict(),
                                            title=(result.design.name or "Imported API")[:200],
                                            steps_saved=list(STEP_IDS))  # the document is the learner's own
        attempt.record_analysis(request.user, analysis, "import")
        attempt.save()
        messages.success(request, "Imported. Carry on designing; every change is checked and saved.")
        return redirect(attempt)
    context.update(result=result, design=result.design, findings=analysis.findings, errors=analysis.errors,
                   diagram_svg=diagram.render_svg(analysis.resolved))
    return render(request, "labs/import.html", context)
