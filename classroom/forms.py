from __future__ import annotations

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from courseware.models import Lab, Quiz
from courseware.roles import INSTRUCTORS_GROUP

from .models import CODE_LENGTH, Cohort, DueDate, normalise_code

REASON_HELP = "Kept in the audit trail with your name; the learner sees it next to the score."


class CohortForm(forms.ModelForm):
    co_instructors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Other instructors who see and manage this cohort with you.",
    )

    class Meta:
        model = Cohort
        fields = ["name", "enrolment_open", "co_instructors"]
        labels = {"enrolment_open": "Enrolment open (learners can join with the link or the code)"}

    def __init__(self, *args, owner: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_instructors"].queryset = (
            User.objects.filter(groups__name=INSTRUCTORS_GROUP, is_active=True).exclude(pk=owner.pk).order_by("username")
        )


class JoinForm(forms.Form):
    code = forms.CharField(max_length=CODE_LENGTH * 2, label="Cohort code",
                           help_text="Ten letters and digits, as your instructor gave them (ABCDE-FGHJK).")

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError("A cohort code has ten letters and digits.")
        return code


class DueDateForm(forms.Form):
    item = forms.ChoiceField(label="Quiz or lab")
    due_at = forms.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 help_text="In the site's time zone.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from courseware.quizzes import in_course_order

        quizzes = [(f"quiz:{q.slug}", q.title) for q in in_course_order(Quiz.objects.filter(published=True))]
        labs = [(f"lab:{lab.slug}", lab.title) for lab in Lab.objects.published()]
        self.fields["item"].choices = [("Quizzes", quizzes), ("Labs", labs)]

    def clean_item(self) -> tuple[str, str]:
        kind, _, slug = self.cleaned_data["item"].partition(":")
        return kind, slug


class OverrideForm(forms.Form):
    score = forms.FloatField(min_value=0, label="Points that count",
                             help_text="Leave empty to remove your override: the graded score counts again.",
                             required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text=REASON_HELP)

    def __init__(self, *args, max_score: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_score = max_score
        self.fields["score"].max_value = max_score
        self.fields["score"].widget.attrs.update({"max": max_score, "step": "0.25"})
        self.fields["score"].help_text = f"0 to {max_score}. " + self.fields["score"].help_text

    def clean_score(self):
        score = self.cleaned_data["score"]
        if score is not None and score > self.max_score:
            raise forms.ValidationError(f"At most {self.max_score} points.")
        return score


class ResetForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text="Kept in the audit trail with your name.")


class ExtensionForm(forms.Form):
    due_at = forms.DateTimeField(label="New due date", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             help_text="Kept in the audit trail with your name.")

    def __init__(self, *args, due_date: DueDate, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.due_date = due_date

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= self.due_date.due_at:
            raise forms.ValidationError("An extension is later than the cohort's due date.")
        if due_at <= timezone.now():
            raise forms.ValidationError("An extension ends in the future.")
        return due_at
